"""Dialogues: six-monthly sessions of every unit with citizens and businesses, their questions, published minutes and followed commitments."""
