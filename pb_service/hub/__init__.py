"""The knowledge hub: training materials, courses, good practices, experts and events.

Shared by every municipality and edited by programme staff.
"""
