"""Image decoding: bytes to upright sRGB pixels, with the limits checked before any pixel is decoded."""
from posecraft.imaging.decode import DecodedImage, ImageProbe, decode_image, probe_image, verify_image

__all__ = ["DecodedImage", "ImageProbe", "decode_image", "probe_image", "verify_image"]
