"""Results: counting the ballots, protests, publication, and the files anyone can recount."""
