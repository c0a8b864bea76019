"""What staff, officials and everyone else do in the hub, one module a room (materials, courses,
practices, experts, events, reminders) over what they share (``content``).

Every function takes the acting person explicitly and never reads the request. Staff actions are
audited (with no municipality: hub content is national); officials' contributions are audited in
their municipality.
"""
