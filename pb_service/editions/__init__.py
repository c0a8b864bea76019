"""Editions of the participatory budget: phases, ballot levels, pools, categories and settings."""
