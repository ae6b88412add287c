"""Foundations: the numerical and mathematical groundwork the early chapters build on.

Modules here are small, numpy-based and meant to be read, one topic each; for example
``numerics`` covers floating-point formats, rounding, careful summation and the numerically
stable softmax family.
"""
