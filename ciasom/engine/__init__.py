"""The privacy engine: detect -> track -> recognise -> decide -> mosaic.

Pure Python + numpy/OpenCV (no Django, no aiortc), so the offline tool, the benchmark
and the live media path all run exactly the same code.
"""
