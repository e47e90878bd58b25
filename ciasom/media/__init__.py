"""Live media: WebRTC publish (WHIP) and watch (WHEP) on aiortc, with every frame covered.

Pure aiortc — no Django here. One :class:`~ciasom.media.registry.MediaRegistry` per process
owns every live :class:`~ciasom.media.stream.LiveStream`; the web layer (``ciasom.live``)
maps HTTP requests and database rows onto it. ``docs/frame-path.md`` follows one frame
through these modules.
"""
