"""`dexter chat`: a conversation with Dexter in the terminal."""
