"""Running on more than one process or machine (DESIGN §6).

`ciasom web` (pages, API, WHIP/WHEP signalling; no media) and `ciasom media-node` (the
aiortc sessions, the engine, the encoders) share PostgreSQL and Redis. Redis holds the node
registry (:mod:`.nodes`) and carries control events (:mod:`.bus`); the web tier reaches a
node's internal HTTP API (:mod:`.internal`) with the shared ``CIASOM_NODE_SECRET``.
"""
