"""API tokens: officials' integrations read their municipality's data without a browser session."""
