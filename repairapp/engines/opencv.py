"""OpenCV's diffusion inpainting: Telea (fast marching) and Navier-Stokes.

Right for thin strokes and text; on object-sized holes it leaves a smooth smear.
"""

import cv2
import numpy as np

from .base import Engine, Param

RADIUS = Param("radius", int, 5, "neighbourhood radius in px that each filled pixel draws from", 1, 50)


class OpenCVEngine(Engine):
    def __init__(self, name: str, flag: int, description: str):
        super().__init__(name=name, description=description, params=(RADIUS,))
        self.flag = flag

    def _fill(self, image: np.ndarray, mask: np.ndarray, *, seed: int, radius: int) -> np.ndarray:
        # cv2 is colour-order agnostic for inpainting; it works per channel on what it is given.
        return cv2.inpaint(image, mask, radius, self.flag)


TELEA = OpenCVEngine("telea", cv2.INPAINT_TELEA, "OpenCV Telea fast marching: quick, right for strokes and text")
NS = OpenCVEngine("ns", cv2.INPAINT_NS, "OpenCV Navier-Stokes diffusion")
