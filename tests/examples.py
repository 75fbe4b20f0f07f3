"""Scenarios several test modules share."""

# Wikipedia's "Buddy memory allocation" example: 64K blocks in 1M, 18 events.
WIKIPEDIA = """memory 1M min 64K
A = alloc 34K
B = alloc 66K
C = alloc 35K
D = alloc 67K
free B
free D
free A
free C
"""
