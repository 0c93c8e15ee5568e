"""One router module per step of the page flow (provision ... results, run records)."""
