"""The live path's web face: WHIP publish, WHEP watch, the publisher and player pages."""
