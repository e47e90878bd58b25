"""Ciasom: live streaming in public without exposing bystanders."""
