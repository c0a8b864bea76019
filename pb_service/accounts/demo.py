"""Demo accounts: one password for all of them (``flask pb demo`` prints it)."""

DEMO_PASSWORD = "demo-password"
