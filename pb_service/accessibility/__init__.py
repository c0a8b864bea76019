"""Digital accessibility: each municipality's accessibility statement and residents' requests for
accessible information or another way to vote (act of 4 April 2019 on digital accessibility)."""
