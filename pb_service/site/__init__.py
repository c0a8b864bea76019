"""Pages of the whole site, above the domains: the front page, the language switch, the health check."""
