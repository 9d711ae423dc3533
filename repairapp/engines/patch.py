"""Patch-based completion: PatchMatch search and voting over an image pyramid.

The method is Wexler, Shechtman & Irani (2007) "Space-time completion of video" with the
nearest-neighbour field found by PatchMatch (Barnes et al. 2009), built the way their
inpainting is (and pypatchmatch's): a pyramid of the KNOWN pixels only, whose hole
shrinks by about a pixel per level, so the coarsest level is nearly complete; then,
level by level from coarse to fine, alternate (a) for every patch overlapping the hole,
find a similar patch lying entirely in the known part (propagation from neighbours +
random search) and (b) set every hole pixel to the weighted mean of what the
overlapping patches say it is. Coarse levels decide structure, fine levels copy
texture; the last vote copies the best patch over each pixel instead of a mean, which
keeps the texture sharp. Last, the copied pieces are shaded to fit in the gradient
domain (a Poisson solve, `_Level.fuse`): a piece of sky copied from a lighter part of
the sky no longer shows the mask's outline or a seam against the next piece. Nothing
reads the pixels under the hole, and no diffusion is blended into the result.

Two choices keep it fast in numpy without a compiled inner loop:
- Patches are compared by their first DCT coefficients (luminance and two colour-opponent
  channels), computed for the whole level with a few separable filters, so a candidate
  costs a gather of `FEATURES` (16) floats instead of 147 multiply-adds (the coarse,
  small levels that settle the layout, from level 2 up, take 67: every luminance one, `_RICH`).
- Propagation runs as a vectorised jump flood (steps 4 and 1 in four directions)
  over all targets at once instead of a raster scan, so every pass is a handful of
  numpy gathers.

Shapes: image (H, W, 3) uint8 RGB, mask (H, W) uint8 with 255 = fill; out (H, W, 3) uint8.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import regions
from .base import Engine, Param

# The figures below were measured on the bench photos (bench/README.md, "Engines").
PATCH_RADIUS = 3            # 7x7 patches, the common choice since Wexler 2007
MIN_SOURCES = 64            # fewer fully known patches than this: nothing to copy from
# A coarser pixel is known when any known finer pixel lies under its footprint
# (cv2.pyrDown's 5x5 Gaussian; its smallest weight is 1/256), as in Barnes et al. and
# pypatchmatch: the hole shrinks by about two pixels a level instead of one, so the
# coarsest level, which settles the layout, is nearly all known, and thin known strips
# between the strokes of a free-form mask (a strip of sky) stay wide enough to copy
# from. With a quarter of the footprint required, ice and rock were pasted into the sky
# of places 06529 and 13448 and lawn into the siding of 32725 (bench/README.md, "Third
# pass"); 0.05 was between the two.
KNOWN_SHARE = 0.001
# EM steps: coarse levels are cheap and decide the structure, so they get most of the
# work (1 + 2 x level steps, as in Barnes et al., at most `iterations` + 2); level 1
# gets 2; the finest level 1 step whose search only looks FINE_RADIUS px around the
# upsampled match, since the structure is settled by then. Against 2 full steps at the
# two finest levels: the same medians on the bench strokes and objects (PSNR within
# 0.05 dB, texture +0.03), a third of the CPU time at 12 MP.
FINE_STEPS = 2
FINE_RADIUS = 8
FULL_SEARCH_PIXELS = 60_000
# A local level projects only the patches its one search can reach (_Level.reachable_boxes),
# in boxes whose columns line up with the whole band's in steps of FILTER_ALIGN: cv2's
# filters work along a row in SIMD blocks and finish it one pixel at a time, with other
# roundings, so a box cut elsewhere gives floats that differ in their last bits.
FILTER_ALIGN = 32
JUMPS = (4, 1)              # propagation steps; (8, 4, 2, 1) was 15 % slower, no better
RANDOM_SPAN_DIVISOR = 8     # random search starts at 1/8 of the level: wider tries almost never win
# Vote weights exp(-(d - d_best) / (VOTE_SCALE * 25th percentile of d)), d_best the best
# patch over the pixel: sharp weights keep texture, and measuring from the best patch
# keeps every pixel's weights from underflowing to 0 in a hard region.
VOTE_SCALE = 0.5
VOTE_PCT = 25
VOTE_STRIDE = 2             # intermediate votes use every other overlapping patch: 17 % faster
FAR = 1e30                 # a distance beyond any real one, finite so differences stay defined
# Candidates are compared in chunks of this many feature values (1 MB of float32: 16,384
# targets of 16 features, 3,912 of 67): the differences of all of them at once took 128
# bytes a target (560 MB for a 24 MP photo's 15 % hole), and were slower; chunks that fit
# the cache gather and sum 1.2x (16 features) to 1.8x (67) faster than 65,536 targets.
DISTANCE_CHUNK = 1 << 18
COPIED_TARGETS = 1_000_000  # up to this many targets, their features are copied (see compute_features)
# Up to this many targets, the propagation's neighbour indices (4 bytes a target for
# each of the 8 jumps and directions) are made once per level and kept: 32 MB at most.
# Kept for every level, as int64, they were 278 MB of a 24 MP photo's 15 % hole, at the
# finest level where making them again each time costs little beside the distances.
NEIGHBOURS_KEPT = 1_000_000
# Sources lie within SOURCE_REACH px of the hole, counted at the finest level (so
# SOURCE_REACH >> level px at a coarser one, at least MIN_REACH): a match found at one
# level is then still within reach when it is upsampled to the next finer one. With the
# same 128 px at every level, coarse matches of a big hole (4-12 MP) fell outside the
# finer levels' reach and their replacements stretched into streaks. 256 px covers the
# crop around a region (regions.patch_context, at most 256 px of margin).
SOURCE_REACH = 256
MIN_REACH = 24
# Up to this level, pixels whose footprint touches the finest hole are never sources
# (see _pyramid), and those of them known only by averaging are filled again: a match
# into them cannot be upsampled, and an average over part of a footprint is biased
# next to the hole (8 px stripes came out as bars). Continuing a brick wall or stripes
# across a hole needs both. At every level, a thin stroke's coarse neighbourhood is
# all touched and only far, foreign sources were left (a lawn pasted into a facade).
# Levels 0-1 since the pyramid counts a coarser pixel known from any known finer one
# (KNOWN_SHARE): with level 2 too, a thin stroke's touched band at level 2 was refilled
# from far sources (sky pasted over the grass of a stroke, strokes' PSNR 21.9 against
# 25.2 dB) and the strips of sky between a free-form mask's strokes got ice
# (bench/README.md, "Third pass").
TOUCHED_LEVELS = 1
# One level more, TOUCHED_LEVELS + 1 (2), around a compact hole only: a round, solid hole
# known all around (area at most COMPACT_MAX x the disc of its inscribed radius, at
# least COMPACT_SOLID of its convex hull, not touching the edge of the crop). There the
# touched pixels known from less than REFILL_SHARE of their footprint (at the finest
# level) are filled again too: their averages are stripes blurred and shifted, and
# copying them put blocks of stripes out of phase (6 of the 18 patterns of
# tests/engines/test_fill_quality.py; with this, none). Such a hole has known pixels
# close by on every side, so its sources stay near. Strokes and free-form masks are
# long or wrap around strips of known pixels, and refilling theirs brought back the far
# sources above; refilling every touched pixel, whatever its share, cost objects 0.5 dB.
# Objects' blobs measure 1.1-2.7 and 0.86-1.0; no part of the bench strokes or places
# masks passes (bench/README.md, "Fourth pass").
REFILL_SHARE = 0.5
COMPACT_MAX = 2.5
COMPACT_SOLID = 0.85
DIRECTIONS = ((0, 1), (1, 0), (0, -1), (-1, 0))
# The copied pieces are shaded to fit by a Poisson solve (_Level.fuse): multigrid
# V-cycles, 3 of them within 0.6 grey levels on average of 3,000 conjugate-gradient
# steps on a 77 % hole (5 cycles: 0.2, for 0.25 s more at 2 MP). A step to a known
# pixel further than FUSE_EDGE grey levels (any channel) from what the source says is
# an edge the fill did not continue and is kept: with every step fitted, a house's dark
# roof at the border of a hole bled into the fill as a dark cloud (bench/README.md,
# "Engines"). Only the change's part smoother than a Gaussian of FUSE_SMOOTH px is kept.
FUSE_CYCLES = 3
FUSE_EDGE = 30.0
FUSE_SMOOTH = 2.0
# ... except where the copy is flat (a sky): there a seam between two copied pieces of
# different shade needs a sharp change, and its smoothed part left a thin light and dark
# line where the seam was (the streak at 13448's horizon, the outline of a 12 MP blob in
# its sky). A hole pixel whose source's 5 x 5 neighbourhood varies by a standard
# deviation s below FUSE_FLAT grey levels keeps (1 - s / FUSE_FLAT) of the full change;
# noisy textures, whose detail the full change would flatten, keep only its smooth
# part as before (bench/README.md, "Fourth pass").
FUSE_FLAT = 4.0
# ... and in a LARGE_HOLE, a seam between two hole pixels whose sources are both at
# least this flat (_flatness) is fitted however far apart their shades are, not kept:
# two shades of one sky. The coarsest level took the left half of 13448's sky from
# its dark top and the right half from the pale sky by the horizon, and the kept seam
# showed as a vertical edge through the sky (bench/README.md, "Seventh pass").
SEAM_FLAT = 0.25
# A hole covering less than this share of its box (a thin stroke) is solved over its own
# pixels with SPARSE_STEPS conjugate-gradient steps instead of a multigrid over the box.
SPARSE_SHARE = 0.3
SPARSE_STEPS = 20
FUSE_CHUNK = 1 << 18        # hole pixels whose equations are built at a time (fuse)
# A hole covering at least this share of its crop keeps the seams between copied
# pieces of different content (fuse's keep_seams): a step between two hole pixels more
# than FUSE_EDGE from what the source says stays, as at the known border. Pieces copied
# from a field and from the sky meet in such a hole, and fitting them to each other
# spread a milky haze of the field's colour over the sky (places 13448, 13972, 16820,
# 20897, 28028). Keeping every seam left hard-edged blocks of two shades in the skies
# (13448, 23136, 06529, 01629). The bench's object and stroke holes stay below it and
# are fused as before (bench/README.md, "Fifth pass").
LARGE_HOLE = 0.4
# Coarser levels of up to this many pixels (padded) that search the whole reach compare
# patches by all 49 luminance and 9 + 9 colour DCT coefficients (_RICH) instead of the 16
# low ones: these levels settle the layout, and with only the low frequencies a patch of
# foliage matched a blurred first guess as well as a patch of stone courses or of a
# door's planks (objects 08993 and 30329 came out as smears). At most 2^18 px so the
# feature grid stays under 70 MB; never the finest level, where they cost a small photo
# half its repair time again (strokes and objects at 0.3 MP: x1.51 the CPU, x1.13
# without the finest level) for fills that looked the same (bench/README.md, "Third pass").
# Nor level 1 (RICH_FROM_LEVEL): the layout is settled at level 2 and above, and level 1
# with 67 values was a third of a 2 MP repair (0.23 of 0.68 s CPU; 0.09 s with 16) for
# fills judged the same (objects and small, 80 cases: none worse, one better; bench/README.md,
# "Seventh pass").
RICH_PIXELS = 1 << 18
RICH_FROM_LEVEL = 2
# In a LARGE_HOLE, the coarsest level's first guess spreads the known pixels along
# rows LAYERED times more easily than along columns (_layered), LAYERED_STEPS
# conjugate-gradient steps from Telea's fill. Photos are layered (sky, horizon, field,
# water), and there the coarsest level's guess decides what each part of the hole
# becomes: Telea's, which spreads evenly from every side, grew the field at the bottom
# of places 28028 up into the sky as a hill and made a pool of sky in 20238's
# foreground, and the search copied those shapes. Weighing the known pixels of a patch
# 10x its hole pixels at the coarse levels instead changed nothing of that layout.
# Smaller holes keep Telea's guess: their coarsest hole is a few pixels, and on the
# objects the layered one only moved texture about (judged 2 better, 6 worse of 20;
# bench/README.md, "Sixth pass").
# LAYERED_STEPS (400) come within a grey level of the solution on the places cases'
# 64 x 64 coarsest levels (200: 1, 100: up to 7), 0.06-0.1 s. The steps cost in
# proportion to the level: above LAYERED_PIXELS (128 x 128) the coarsest level keeps
# Telea's guess. Only a hole that vanishes from the pyramid early (thin strokes over a
# big photo) leaves so large a coarsest level, and its layout is not in question.
LAYERED = 20.0
LAYERED_STEPS = 400
LAYERED_PIXELS = 1 << 14
# In a LARGE_HOLE the coarsest level's search also weighs how far a source lies above or
# below its target: ROW_COST x (rows apart / the level's height)^2 x the median distance
# between two of the level's sources (ROW_SAMPLE pairs; the scale of its patches'
# differences). Layers run along rows, and the layered guess there is a blend of the
# known pixels at both ends of a row, which matches a smooth source in another layer
# better than the textured ones of its own: lawn from the bottom of places 20502 was
# pasted up through its facade, a band of tree crowns from the top of 30354 into its
# riverbed (the coarsest level's field, dumped, pointed there; the finer levels only
# refined it). Only there: weighed at every level (cost 1 or 4) it also copied what lies
# at a row's far end across the hole (a haze band through 07346's rock, branches over
# 20897's sky). The votes weigh the patches' likeness alone (_likeness): with the row
# term in them too, the weights flattened and the sky of 13448 and 13972 came out hazy.
# 4 against 1 and 12, judged on places (bench/README.md, "Seventh pass").
ROW_COST = 4.0
ROW_SAMPLE = 4096
# A straight boundary between two regions that enters an object-sized hole and leaves
# it again (a slope against the sea) is continued straight across (_Sides): the ring of
# known pixels RING_GAP px around the hole is split into two colours, and where they
# form exactly two arcs, each at least SIDE_MIN_ARC of the ring, with centres at least
# SIDE_CONTRAST apart (Lab) and at least SIDE_SEPARATION times their spread, the line
# between the two places where the arcs meet splits the hole - if the boundary runs on
# along that line outside the hole (SIDE_STRAIGHT). Then, at every level, hole pixels
# further than SIDE_MARGIN px from the line copy only patches centred on known pixels of
# their side's colour (nearer ones, where the boundary is drawn, search freely), and
# every hole pixel takes in the votes only what comes from pixels of its side's colour.
# Without it the search copied 06343's slope again, shifted up into the sea: a square
# notch of grass (bench/README.md, "Seventh pass"). A treeline's crowns or a ridge that
# turns fail the straightness check and are left as before: continued straight, 13972's
# treeline came out cut flat and 07346's ridge with a haze band along the line.
RING_GAP = 4
SIDE_MIN_ARC = 0.15
SIDE_CONTRAST = 25.0
SIDE_SEPARATION = 2.0
SIDE_MARGIN = 2.0
SIDE_STRAIGHT = 24          # px beyond each end of the line checked for a straight boundary
SIDE_STEP = 4               # px to either side of the line those checks look
SIDE_AGREE = 0.8            # share of them that must be their side's colour
SIDE_SPREAD = 3.0           # a source counts as a side's colour within this many of its spread (RMS)
SIDE_SMOOTH = 0.05          # the ring's labels are smoothed over this share of its length
LAB_WINDOW = 8              # px around the ring whose Lab decides its colours (the blur reaches 4)
# A boundary that fails the straightness check may be a curve (a treeline dipping into a
# valley: objects 13972): where it lies beyond each end is found SIDE_CURVE_AT px out
# (the offset along the line's normal that best splits the two colours there), and a
# parabola through the two ends, bent to meet those directions (its bulge at most
# SIDE_BEND x the line's length), stands in for the line if the boundary runs on along
# its tangents as the straightness check asks of a line. Such a boundary is held only
# from SIDE_CURVE_LEVEL up (features of 16 px and more): a treeline's crowns are not a
# parabola, and held at every level they came out as a smooth bowl with a light rim
# along it. Without it, 13972's top of the treeline was copied with its sky gaps into the
# middle of the hole (a crown where the truth has a valley, its pale fleck inside the
# leaves). The straight boundaries above (06343, 01629) are fitted as before.
# A parabola leaves both ends at the same slope: ends whose slopes differ by more than
# SIDE_SLOPES of the larger (at least SIDE_SLOPE_MIN) are a step or a turn, not a curve
# (13448's ridge, higher on one side of the hole than on the other: -0.04 and -0.33,
# 16820's lawn edge: -0.02 and 0.34; 13972's treeline: -0.55 and -0.83).
SIDE_CURVE_AT = (8, 12, 16, 20, 24)
SIDE_SLOPES = 0.5
SIDE_SLOPE_MIN = 0.2
SIDE_BEND = 0.5
SIDE_CURVE_LEVEL = 2
# A thin hole (brush strokes: its largest inscribed disc at most GUIDE_RADIUS px; the
# bench's strokes, grown by the pipeline's 2 px, measure 7-22, two crossing up to ~37,
# its object blobs 43 and more) is matched at levels 0 to GUIDE_LEVELS with one more
# feature: how busy the patch's surroundings are, the mean |Laplacian| of the grey
# levels within a Gaussian of GUIDE_SIGMA px over known pixels (_busyness), times
# GUIDE_WEIGHT x the patch's side. Without it a target whose first guess is the coarser
# level's blur matches smooth sources best (the low DCT features cannot tell grain from
# none), copies them and stays smooth: a stroke in grain beside a smooth region was
# filled from the smooth one (texture ratio 0.15-0.38, tests/engines/test_fill_quality.py),
# a beach's sand at half its grain.
# What a hole pixel asks for is what its match at the coarser level measures at this
# level (_Level.guide_from_field), held within the range of the known pixels' values
# within GUIDE_RING px of the hole nearby. So a stroke that crosses from sky into rock
# asks for the sky's busyness where the coarse levels put sky and the rock's where they
# put rock, and a stroke whose surroundings are all grain asks for grain whatever the
# coarse match was. One value for the whole stroke (the mean of the known pixels around
# it, sixth pass) asked for the mean of sky and rock on both sides: dark smudges over a
# crater's rim in the sky; the nearest known pixel's value asked for rock's busyness in
# a rock face beside busier boulders: black blobs of shadow (bench/README.md, "Seventh
# pass: strokes2").
GUIDE_RADIUS = 32.0
GUIDE_LEVELS = 1
GUIDE_SIGMA = 4.0
GUIDE_WEIGHT = 1.0
GUIDE_RING = 6.0

ITERATIONS = Param("iterations", int, 4, "EM steps at the coarse levels are at most this + 2", 1, 20)
MARGIN = Param("margin", int, 0, "context margin in px around the mask (0 = automatic)", 0, 4096)


class PatchEngine(Engine):
    crops = True

    def __init__(self):
        super().__init__(
            name="patch",
            description="Patch search and voting over a pyramid: copies texture into object-sized holes",
            params=(ITERATIONS, MARGIN),
        )

    def context(self, height: int, width: int) -> int:
        return regions.patch_context(height, width)

    def crop_margin(self, height: int, width: int, params: dict) -> int:
        return params["margin"] or self.context(height, width)

    def _fill(self, image, mask, *, seed, iterations, margin):
        # `image` is already a crop around the mask (Engine.inpaint, `margin` via crop_margin).
        return complete(image, mask > 0, seed=seed, iterations=iterations)


def complete(image: np.ndarray, hole: np.ndarray, *, seed: int = 0, iterations: int = 4) -> np.ndarray:
    """Fill `hole` (H, W) bool in `image` (H, W, 3) uint8; returns (H, W, 3) uint8.

    Reads only the pixels outside `hole`. Falls back to Telea where too little is known
    to copy patches from.
    """
    if image.ndim != 3 or image.shape[2] != 3 or hole.shape != image.shape[:2]:
        raise ValueError(f"image must be (H, W, 3) and hole (H, W), got {image.shape} and {hole.shape}")
    r = PATCH_RADIUS
    known_patches = cv2.erode((~hole).astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8),
                              borderType=cv2.BORDER_REFLECT_101)
    if int(known_patches.sum()) < MIN_SOURCES or min(image.shape[:2]) < 2 * r + 2:
        return _telea(image, hole)
    rng = np.random.default_rng(seed)

    images, holes, touched = _pyramid(image, hole, r)
    refill = _compact_refill(hole, holes, touched)
    guided = GUIDE_WEIGHT > 0 and float(regions.inscribed_radius(hole).max()) <= GUIDE_RADIUS
    # The coarsest level's hole is small (the pyramid shrinks it): diffusion, which
    # reads only known pixels, is a fair first guess there; a layered one in a large
    # hole, whose layout it decides (LAYERED).
    large = hole.mean() >= LARGE_HOLE
    layered = large and holes[-1].size <= LAYERED_PIXELS
    level_image = (_layered if layered else _telea)(_to_uint8(images[-1]), holes[-1])
    sides = None if large else _Sides.across(image, hole)
    coarser = None
    for level in range(len(images) - 1, -1, -1):
        # Up to TOUCHED_LEVELS, what the pyramid knows only by averaging next to the hole
        # is filled again (its average as the first guess) and never a source. At the
        # finest level that is the hole itself (touched[0] is hole).
        fill = touched[level] if level <= TOUCHED_LEVELS else holes[level]
        if level == TOUCHED_LEVELS + 1 and refill is not None:
            fill = holes[level] | refill
        lvl = _Level(images[level], fill, r, fill, reach=max(SOURCE_REACH >> level, MIN_REACH))
        lvl.rows_weigh = large and level == len(images) - 1
        if sides is not None and level >= sides.first_level:
            sides.constrain(lvl, images[level], fill, level)
        busy = None
        if guided and level <= GUIDE_LEVELS:
            busy = _busyness(images[level], fill) * np.float32(GUIDE_WEIGHT * (2 * r + 1))
        guess = level_image if level_image.shape[:2] == lvl.size else cv2.resize(
            level_image, lvl.size[::-1], interpolation=cv2.INTER_LINEAR)
        if fill is not holes[level]:
            guess = np.where(holes[level][:, :, None], guess, _to_uint8(images[level]))
        lvl.set_hole_pixels(guess)
        if coarser is None:
            lvl.random_field(rng)
        else:
            # Start from the coarser answer: its field, upsampled, voted with the finer pixels.
            lvl.upsample_field(coarser)
            coarser = None  # its buffers, a quarter of this level's, are not needed any more
            lvl.vote(uniform=True)
        if busy is not None:
            # The coarsest level has no coarser match: the nearest known pixel's value.
            lvl.guide = busy if level == len(images) - 1 else lvl.guide_from_field(busy, fill)
        # Levels whose hole is small enough search the whole reach; larger ones (the
        # finest levels of a big hole) only refine the upsampled field nearby: the
        # levels below them, whose hole is that size, have settled the structure.
        local = lvl.hole_count > FULL_SEARCH_PIXELS
        if level >= RICH_FROM_LEVEL and not local and lvl.hp * lvl.wp <= RICH_PIXELS:
            lvl.basis = _RICH
        steps = 1 if local else FINE_STEPS if level <= 1 else min(1 + 2 * level, iterations + 2)
        for step in range(steps):
            # A local level's one search reaches only so far from the upsampled field (the
            # row term's typical distance, rows_weigh, samples sources anywhere).
            reachable = local and not lvl.rows_weigh
            lvl.compute_features(full=step == 0, boxes=lvl.reachable_boxes(passes=1, radius=FINE_RADIUS) if reachable else None)
            if local:
                lvl.search(rng, passes=1, radius=FINE_RADIUS)
            else:
                lvl.search(rng, passes=2 if step == 0 else 1)
            if level == 0 and step == steps - 1:
                lvl.vote_best()
            else:
                lvl.vote()
        if level == 0:
            # Across a boundary the seams between its two sides' pieces are kept, as in
            # a large hole: fitted to each other they spread a dark haze of the slope
            # over the sea along 06343's line.
            # In a large hole the seams between two flat pieces (two shades of one sky)
            # are fitted all the same (SEAM_FLAT); across a boundary all are kept.
            lvl.fuse(keep_seams=large or sides is not None, fit_flat_seams=large)
        level_image = lvl.result(image if level == 0 else _to_uint8(images[level]))
        coarser = lvl
    return level_image


class _Sides:
    """A boundary between two colours that crosses an object-sized hole, fitted as a
    straight line between where it enters and leaves (see RING_GAP), or as a parabola
    through those two points where the boundary curves (see SIDE_CURVE_AT); `constrain`
    keeps each level's targets on either side to sources of that side's colour."""

    def __init__(self, centres: np.ndarray, radii: np.ndarray, point: np.ndarray, normal: np.ndarray,
                 first_sign: float):
        self.centres = centres          # (2, 3) Lab colours of the two sides
        self.radii = radii              # (2,) Lab distances within which a colour is that side's
        self.point = point              # (x, y) on the line, finest level
        self.normal = normal            # unit (x, y) normal of the line
        self.first_sign = first_sign    # the sign of the signed distance on side 1
        # A curved boundary (SIDE_CURVE_AT): the line's offset bend * t * (length - t) at
        # t px along it from `point`; held only from level `first_level` up.
        self.along = np.array([normal[1], -normal[0]])
        self.length = 0.0
        self.bend = 0.0
        self.first_level = 0

    @staticmethod
    def across(image: np.ndarray, hole: np.ndarray) -> "_Sides | None":
        """The boundary crossing `hole` (one component, known all around), or None."""
        h, w = hole.shape
        count, _ = regions.components(hole.astype(np.uint8))
        if count != 1:
            return None
        size = 2 * RING_GAP + 1
        band = cv2.dilate(hole.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)))
        if band[0].any() or band[-1].any() or band[:, 0].any() or band[:, -1].any():
            return None
        contours, _ = cv2.findContours(band, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
        ring = max(contours, key=len)[:, 0, :]          # (n, 2) x, y, in order around the hole
        n = len(ring)
        # The ring's colours from a window round it only: most holes stop at the checks
        # below, and the whole crop's Lab cost as much as all of them (20 ms at 2 MP).
        # LAB_WINDOW is past the reach of _known_lab's blur, so the values are the same.
        x, y, bw, bh = cv2.boundingRect(ring)
        x0, y0 = max(x - LAB_WINDOW, 0), max(y - LAB_WINDOW, 0)
        x1, y1 = min(x + bw + LAB_WINDOW, w), min(y + bh + LAB_WINDOW, h)
        near = _known_lab(image[y0:y1, x0:x1], hole[y0:y1, x0:x1])
        colours = near[ring[:, 1] - y0, ring[:, 0] - x0]
        labels, centres = _two_means(colours)
        contrast = float(np.linalg.norm(centres[0] - centres[1]))
        squared = np.sum((colours - centres[labels]) ** 2, axis=1)
        spread = float(np.sqrt(np.mean(squared)))
        if contrast < SIDE_CONTRAST or contrast < SIDE_SEPARATION * spread:
            return None
        # How far from its centre a source still counts as that side's colour.
        radii = np.array([min(contrast / 2, SIDE_SPREAD * float(np.sqrt(np.mean(squared[labels == k]))))
                          for k in (0, 1)], np.float32)
        # Smoothed around the ring (a majority over a window), then the arcs counted.
        k = max(3, int(n * SIDE_SMOOTH) | 1)
        votes = np.convolve(np.concatenate([labels[-(k // 2):], labels, labels[:k // 2]]).astype(np.float32),
                            np.ones(k, np.float32), mode="valid")
        smooth = (votes > k / 2).astype(np.int8)
        changes = np.flatnonzero(smooth != np.roll(smooth, 1))
        if len(changes) != 2:
            return None
        first_arc = int(changes[1] - changes[0])
        if min(first_arc, n - first_arc) < SIDE_MIN_ARC * n:
            return None
        # Where the arcs meet: half way between the last point of one and the first of the next.
        ends = (ring[changes] + ring[changes - 1]) / 2.0
        along = ends[1] - ends[0]
        length = np.hypot(*along)
        if length < 1:
            return None
        along /= length
        normal = np.array([-along[1], along[0]])
        signed = (ring - ends[0]) @ normal
        first_sign = 1.0 if np.mean(signed[labels == 0]) >= 0 else -1.0
        sides = _Sides(centres, radii, ends[0], normal, first_sign)
        # Only a straight boundary: beyond both ends, along the line, the known pixels
        # SIDE_STEP px to either side of it are those sides' colours (a treeline's crowns
        # and a ridge that turns are not continued straight).
        label = sides.labels(_known_lab(image, hole))
        if sides._runs_on(label, ends, along, (0.0, 0.0)):
            return sides
        # Else a curve, held at the coarse levels only (SIDE_CURVE_AT).
        slopes = [sides._slope_beyond(label, ends[0], -along), sides._slope_beyond(label, ends[1], along)]
        if None in slopes or abs(slopes[0] - slopes[1]) > SIDE_SLOPES * max(*map(abs, slopes), SIDE_SLOPE_MIN):
            return None
        # The parabola's slope is bend * length at the first end and -bend * length at the
        # second (t runs along `along`); the boundary's slopes outward, fitted together.
        bend = float(np.clip(-(slopes[0] + slopes[1]) / (2 * length), -4 * SIDE_BEND / length, 4 * SIDE_BEND / length))
        tangent = -bend * length
        if not sides._runs_on(label, ends, along, (tangent, tangent)):
            return None
        sides.length, sides.bend, sides.first_level = float(length), bend, SIDE_CURVE_LEVEL
        return sides

    def _runs_on(self, label: np.ndarray, ends: np.ndarray, along: np.ndarray, slopes: tuple) -> bool:
        """Whether beyond both `ends`, along lines leaving them at `slopes` (normal offset per
        px outward) from `along`, the pixels SIDE_STEP px to either side are of those sides'
        colours (SIDE_AGREE of them)."""
        h, w = label.shape
        reach = np.arange(0, SIDE_STRAIGHT, 2.0)
        points = np.concatenate([ends[0] + (-along[None] + slopes[0] * self.normal[None]) * reach[:, None],
                                 ends[1] + (along[None] + slopes[1] * self.normal[None]) * reach[:, None]])
        agree = []
        for sign, want in ((self.first_sign, 1), (-self.first_sign, 2)):
            at = np.rint(points + sign * SIDE_STEP * self.normal).astype(int)
            inside = (at[:, 0] >= 0) & (at[:, 0] < w) & (at[:, 1] >= 0) & (at[:, 1] < h)
            at = at[inside]
            agree.append(label[at[:, 1], at[:, 0]] == want)
        agree = np.concatenate(agree)
        return len(agree) > 0 and agree.mean() >= SIDE_AGREE

    def _slope_beyond(self, label: np.ndarray, end: np.ndarray, out: np.ndarray) -> float | None:
        """The boundary's offset along the normal per px outward from `end` in direction
        `out`, fitted through `end` to where it lies SIDE_CURVE_AT px out; None where too
        little of the image is there."""
        h, w = label.shape
        offsets = np.arange(-SIDE_STRAIGHT, SIDE_STRAIGHT + 1, 1.0)
        beyond, found = [], []
        for dist in SIDE_CURVE_AT:
            at = np.rint(end + out * dist + offsets[:, None] * self.normal).astype(int)
            ok = (at[:, 0] >= 0) & (at[:, 0] < w) & (at[:, 1] >= 0) & (at[:, 1] < h)
            if ok.sum() < len(offsets) // 2:
                continue
            # Offsets ordered from side 2 to side 1; the split that leaves fewest pixels of
            # side 1 below it and of side 2 above it.
            toward = offsets[ok] * self.first_sign
            lab = label[at[ok, 1], at[ok, 0]][np.argsort(toward)]
            ones_below = np.concatenate([[0], np.cumsum(lab == 1)])
            twos_above = np.concatenate([np.cumsum((lab == 2)[::-1])[::-1], [0]])
            split = int(np.argmin(ones_below + twos_above))
            ordered = np.sort(toward)
            at_split = ordered[split] - 0.5 if split < len(ordered) else ordered[-1] + 0.5
            beyond.append(float(dist))
            found.append(at_split * self.first_sign)
        if len(beyond) < 3:
            return None
        beyond, found = np.array(beyond), np.array(found)
        return float(beyond @ found / (beyond @ beyond))

    def labels(self, lab: np.ndarray) -> np.ndarray:
        """(H, W) int8 of Lab colours `lab`: 1 or 2, the side whose colour a pixel has;
        0 for a colour of neither (a rock beside the sea and the grass)."""
        squared = np.sum((lab[:, :, None, :] - self.centres[None, None, :, :]) ** 2, axis=3)
        nearest = np.argmin(squared, axis=2)
        label = (nearest + 1).astype(np.int8)
        label[np.take_along_axis(squared, nearest[:, :, None], 2)[:, :, 0] > self.radii[nearest] ** 2] = 0
        return label

    def constrain(self, lvl: "_Level", image: np.ndarray, fill: np.ndarray, level: int) -> None:
        """Restricts `lvl`'s targets in its hole away from the line to their side's sources,
        its targets on known pixels to their own colour's; a level with too few sources
        of either colour is left free."""
        r = lvl.r
        label = self.labels(_known_lab(image, fill))
        label_p = cv2.copyMakeBorder(label, r, r, r, r, cv2.BORDER_REFLECT_101).ravel()
        for side in (1, 2):
            if np.count_nonzero(label_p[lvl.source_idx] == side) < MIN_SOURCES:
                return
        scale = float(1 << level)
        ys, xs = lvl.ty - r, lvl.tx - r
        # The signed distance from the line, in this level's pixels.
        signed = (((xs + 0.5) * scale - 0.5 - self.point[0]) * self.normal[0]
                  + ((ys + 0.5) * scale - 0.5 - self.point[1]) * self.normal[1]) / scale
        if self.bend:
            t = np.clip(((xs + 0.5) * scale - 0.5 - self.point[0]) * self.along[0]
                        + ((ys + 0.5) * scale - 0.5 - self.point[1]) * self.along[1], 0, self.length)
            signed -= self.bend * t * (self.length - t) / scale
        side = np.where(signed * self.first_sign >= 0, 1, 2).astype(np.int8)
        side[np.abs(signed) <= SIDE_MARGIN] = 0
        # Targets on known pixels next to the hole keep to their own colour, or to their
        # side of the line where their colour is neither side's.
        own = label_p[lvl.t_idx]
        in_hole = lvl.hole_p.ravel()[lvl.t_idx]
        lvl.side_t = np.where(in_hole | (own == 0), side, own)
        lvl.side_src = label_p
        # Votes: a hole pixel takes only what comes from pixels of the colour of its side
        # of the line (_Level._voting), up to the line itself: free within SIDE_MARGIN,
        # the grass of the synthetic slope crept 2-3 px up into the sea.
        vote_side = np.zeros(lvl.hp * lvl.wp, np.int8)
        vote_side[lvl.t_idx[in_hole]] = np.where(signed[in_hole] * self.first_sign >= 0, 1, 2)
        lvl.vote_side = vote_side.reshape(lvl.hp, lvl.wp)


def _two_means(colours: np.ndarray, steps: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """(labels (n,) 0 or 1, centres (2, 3) float32): two-means of `colours` (n, 3), started
    from the two ends of their principal axis. Deterministic, unlike cv2.kmeans's seeding
    from OpenCV's global random state, which made the fill depend on earlier calls."""
    mean = colours.mean(axis=0)
    _, _, axes = np.linalg.svd(colours - mean, full_matrices=False)
    along = (colours - mean) @ axes[0]
    centres = np.stack([colours[np.argmin(along)], colours[np.argmax(along)]]).astype(np.float32)
    labels = np.zeros(len(colours), np.int64)
    for _ in range(steps):
        labels = np.argmin(np.sum((colours[:, None, :] - centres[None]) ** 2, axis=2), axis=1)
        for k in (0, 1):
            if np.any(labels == k):
                centres[k] = colours[labels == k].mean(axis=0)
    return labels, centres


def _known_lab(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32 Lab of `image` blurred over its known pixels only (hole pixels
    are never read; their own values are meaningless)."""
    known = (~hole).astype(np.float32)
    rgb = np.clip(image.astype(np.float32), 0, 255) * known[:, :, None]
    weight = cv2.GaussianBlur(known, (0, 0), 1.0)
    rgb = cv2.GaussianBlur(rgb, (0, 0), 1.0) / np.maximum(weight, 1e-6)[:, :, None]
    return cv2.cvtColor(np.clip(rgb / 255.0, 0, 1).astype(np.float32), cv2.COLOR_RGB2Lab)


def _compact_refill(hole: np.ndarray, holes: list, touched: list) -> np.ndarray | None:
    """(H, W) bool at level TOUCHED_LEVELS + 1: the touched pixels around compact holes
    known from less than REFILL_SHARE of their footprint (see COMPACT_MAX); None if none."""
    level = TOUCHED_LEVELS + 1
    if len(holes) <= level:
        return None
    compact = _compact_parts(hole)
    if not compact.any():
        return None
    # The share of each footprint known at the finest level, and the pixels whose
    # footprint touches a compact hole, halved as _pyramid halves `touched`.
    share = (~hole).astype(np.float32)
    for finer in range(1, level + 1):
        h, w = holes[finer].shape
        share = cv2.pyrDown(share, dstsize=(w, h), borderType=cv2.BORDER_REFLECT_101)
        compact = _halved_any(compact, h, w)
    return touched[level] & compact & (share < REFILL_SHARE)


def _compact_parts(hole: np.ndarray) -> np.ndarray:
    """(H, W) bool: the hole's components that are round and solid and lie inside the
    image, known all around (see COMPACT_MAX)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(hole.astype(np.uint8), connectivity=8)
    out = np.zeros(hole.shape, bool)
    h, w = hole.shape
    for c in range(1, count):
        x, y, bw, bh, area = stats[c]
        if x == 0 or y == 0 or x + bw == w or y + bh == h:
            continue
        part = (labels[y:y + bh, x:x + bw] == c).astype(np.uint8)
        radius = float(regions.inscribed_radius(part).max())
        contours, _ = cv2.findContours(part, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.contourArea(cv2.convexHull(np.vstack(contours)))
        if area <= COMPACT_MAX * np.pi * radius ** 2 and area >= COMPACT_SOLID * hull:
            out[y:y + bh, x:x + bw] |= part > 0
    return out


def _planes_at(image: np.ndarray, pixels: np.ndarray) -> np.ndarray:
    """(3, N) float32 colour planes of the `pixels` (flat indices) of `image` (P, 3).

    Every mask in fuse is one per pixel, and broadcasting it over contiguous planes is
    several times faster than over (N, 3) rows. The rows are gathered first and only
    the gathered ones transposed: take() over a (3, P) view of the image copies the
    whole image into contiguous planes at every call (12 bytes a pixel of the level).
    """
    return np.ascontiguousarray(image.take(pixels, axis=0).T)


def _busyness(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(H, W) float32: how busy each pixel's surroundings are (GUIDE_RADIUS); reads only
    the pixels of `image` (H, W, 3) outside `hole` (H, W) bool.

    At a known pixel, the mean |Laplacian| of the grey levels within a Gaussian of
    GUIDE_SIGMA px, over the pixels whose 3 x 3 Laplacian reads no hole pixel; a hole
    pixel takes the value of the nearest such pixel (its own side of an edge the hole
    crosses).
    """
    # The mean of the channels, as image.astype(np.float32).mean(axis=2) sums and divides
    # them (the same floats), in a third of its time.
    red, green, blue = cv2.split(image)
    grey = cv2.add(cv2.add(red, green, dtype=cv2.CV_32F), blue, dtype=cv2.CV_32F)
    grey /= np.float32(3)
    measured = cv2.erode((~hole).astype(np.uint8), np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)
    if not measured.any():
        return np.zeros(hole.shape, np.float32)
    weight = measured.astype(np.float32)
    sums = cv2.merge([np.abs(cv2.Laplacian(grey, cv2.CV_32F)) * weight, weight])
    blurred = cv2.GaussianBlur(sums, (0, 0), GUIDE_SIGMA)
    out = blurred[:, :, 0] / np.maximum(blurred[:, :, 1], 1e-6)
    _, labels = cv2.distanceTransformWithLabels(1 - measured, cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL)
    # DIST_LABEL_PIXEL numbers the zero (measured) pixels 1, 2, ... in raster order;
    # a measured pixel is its own nearest.
    flat = out.ravel()
    unmeasured = np.flatnonzero(measured.ravel() == 0)
    flat[unmeasured] = flat[np.flatnonzero(measured.ravel())[labels.ravel()[unmeasured] - 1]]
    return out


def _to_uint8(level: np.ndarray) -> np.ndarray:
    return level if level.dtype == np.uint8 else np.clip(np.rint(level), 0, 255).astype(np.uint8)


def _telea(image: np.ndarray, hole: np.ndarray) -> np.ndarray:
    return cv2.inpaint(image, hole.astype(np.uint8) * 255, 5, cv2.INPAINT_TELEA)


def _layered(known: np.ndarray, hole: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8: `known` (uint8) with `hole` filled by a diffusion that spreads along rows
    LAYERED times more easily than along columns (see LAYERED); reads known pixels only.

    Solves, for the hole pixels, sum over the neighbours q of w (f(p) - f(q)) = 0 with
    w = 1 along a row and 1 / LAYERED along a column, neighbours off the image left
    out; LAYERED_STEPS conjugate-gradient steps from Telea's fill.
    """
    guess = _telea(known, hole).astype(np.float32)
    inside = _inside(hole)
    across = np.float32(1.0 / LAYERED)
    neighbours = np.array([[0, across, 0], [1, 0, 1], [0, across, 0]], np.float32)
    # How much each pixel's neighbours weigh in all (fewer at the image's edges).
    degree = cv2.filter2D(np.ones(hole.shape, np.float32), -1, neighbours, borderType=cv2.BORDER_CONSTANT)
    degree = degree[:, :, None]

    def apply(v):
        return (degree * v - cv2.filter2D(v, -1, neighbours, borderType=cv2.BORDER_CONSTANT)) * inside

    fixed = known.astype(np.float32) * (1 - inside)
    rhs = cv2.filter2D(fixed, -1, neighbours, borderType=cv2.BORDER_CONSTANT) * inside
    filled = _conjugate_gradients_with(apply, rhs, guess * inside, LAYERED_STEPS)
    return _to_uint8(np.where(hole[:, :, None], filled, known))


def _halved_any(mask: np.ndarray, h: int, w: int) -> np.ndarray:
    """(h, w) bool: whether any pixel of each 2 x 2 block of `mask` (at least 2h x 2w, bool)
    is set. The four corners' planes OR-ed: the same as reshaping into blocks and
    any(axis=(1, 3)), which numpy does several times slower."""
    out = mask[0:2 * h:2, 0:2 * w:2] | mask[0:2 * h:2, 1:2 * w:2]
    out |= mask[1:2 * h:2, 0:2 * w:2]
    out |= mask[1:2 * h:2, 1:2 * w:2]
    return out


def _pyramid(image: np.ndarray, hole: np.ndarray, r: int) -> tuple[list, list, list]:
    """Halve until the level is a few patches across, reading known pixels only.

    Each coarser pixel is the Gaussian-weighted mean of the KNOWN finer pixels under it
    (cv2.pyrDown of the image times the known mask, over pyrDown of the mask), and is
    known when they weigh at least KNOWN_SHARE of its footprint. So the hole shrinks
    by about a pixel per level (as in Barnes et al.'s PatchMatch inpainting) and no
    pixel under the hole ever reaches a coarser level. The finest level stays the
    uint8 input; coarser ones are float32.

    Returns the images, the holes to fill and, per level, the pixels whose footprint
    touches the finest hole. Those known only by averaging are context for the
    targets; `complete` keeps them from being sources at the finer levels, so that a
    match there still lies in known pixels when it is upsampled.
    """
    images, holes, touched = [image], [hole], [hole]
    while True:
        h, w = holes[-1].shape
        if min(h, w) // 2 < 4 * r:
            break
        known = (~holes[-1]).astype(np.float32)
        finer = images[-1].astype(np.float32) if images[-1].dtype == np.uint8 else images[-1]
        weight = cv2.pyrDown(known, dstsize=(w // 2, h // 2), borderType=cv2.BORDER_REFLECT_101)
        sums = cv2.pyrDown(finer * known[:, :, None], dstsize=(w // 2, h // 2), borderType=cv2.BORDER_REFLECT_101)
        small_hole = weight < KNOWN_SHARE
        coarse = sums / np.maximum(weight, 1e-6)[:, :, None]
        coarse[small_hole] = 0
        # A coarser pixel touches the hole when any of the 2 x 2 finer pixels it halves
        # does: then a 7 x 7 patch clear of them upsamples to finer patches clear of them.
        near = _halved_any(touched[-1], h // 2, w // 2)
        sources = cv2.erode((~near).astype(np.uint8), np.ones((2 * r + 1, 2 * r + 1), np.uint8))
        if not small_hole.any() or int(sources.sum()) < MIN_SOURCES:
            break  # a level with no hole has nothing to fill
        images.append(coarse)
        holes.append(small_hole)
        touched.append(near)
    return images, holes, touched


class _Level:
    """One pyramid level, padded by the patch radius so every patch is inside the array.

    The nearest-neighbour field lives in two int32 maps (row, col of the source patch
    centre, in padded coordinates); outside the targets it is the identity, so known
    pixels propagate themselves into the hole's border.

    Only the band around the hole is ever read: sources lie within `reach` px of
    it. The image and the field start zeroed and are filled in that band alone, so a
    long thin stroke across a big crop does not convert and copy the whole crop: the
    float image within the reach boxes (grown by the patch radius), the identity field
    within the target boxes (grown by the longest propagation jump). Elsewhere they
    stay 0, which only patches of weight 0 and candidates that are then refused read.
    Same pixels as padding and filling everything (tests/engines/test_pipeline.py).
    """

    def __init__(self, image: np.ndarray, hole: np.ndarray, r: int, touched: np.ndarray, *, reach: int = SOURCE_REACH):
        self.r = r
        self.reach = reach
        h, w = hole.shape
        self.size = (h, w)
        self.hp, self.wp = h + 2 * r, w + 2 * r
        hole_p = cv2.copyMakeBorder(hole.astype(np.uint8), r, r, r, r, cv2.BORDER_REFLECT_101)
        inside = np.zeros((self.hp, self.wp), bool)
        inside[r:r + h, r:r + w] = True
        square = np.ones((2 * r + 1, 2 * r + 1), np.uint8)
        # Sources within `reach` px of the hole: a long stroke across a big photo
        # would otherwise search (and project) the whole photo at every level.
        reach = _within_square(hole_p, self.reach)
        touched_p = cv2.copyMakeBorder(touched.astype(np.uint8), r, r, r, r, cv2.BORDER_REFLECT_101)
        self.source_ok = ((cv2.erode(1 - touched_p, square, borderType=cv2.BORDER_CONSTANT, borderValue=0) > 0)
                          & inside & reach)
        self.source_idx = np.flatnonzero(self.source_ok).astype(np.int64)
        targets = (cv2.dilate(hole_p, square) > 0) & inside
        self.reach_boxes = _bands(reach & inside, r, r + h)
        self.target_boxes = _bands(targets, r, r + h)
        self.t_idx = np.flatnonzero(targets).astype(np.int64)
        self.ty, self.tx = np.divmod(self.t_idx, self.wp)
        self.hole_p = (hole_p > 0) & inside
        self.h_idx = np.flatnonzero(self.hole_p)
        hy, hx = np.divmod(self.h_idx, self.wp)
        self.hole_boxes = _bands(self.hole_p, hy.min(), hy.max() + 1)
        # Only a hole within reach of the edge changes what the padding mirrors.
        self.near_edge = min(hy.min() - r, hx.min() - r, h + r - 1 - hy.max(), w + r - 1 - hx.max()) <= 2 * r
        self.source_flat = self.source_ok.ravel()
        self.hole_count = len(self.h_idx)
        self.image = np.zeros((self.hp, self.wp, 3), np.float32)
        for y0, y1, x0, x1 in self.reach_boxes:
            # Padded rows/cols y0 - r .. y1 + r are image rows y0 - 2r .. y1, clipped; the
            # padding itself is mirrored below, as copyMakeBorder would.
            sy0, sy1, sx0, sx1 = max(0, y0 - 2 * r), min(h, y1), max(0, x0 - 2 * r), min(w, x1)
            self.image[sy0 + r:sy1 + r, sx0 + r:sx1 + r] = image[sy0:sy1, sx0:sx1]
        self._mirror_border()
        self.nnf_y = np.zeros(self.hp * self.wp, np.int32)
        self.nnf_x = np.zeros(self.hp * self.wp, np.int32)
        reach = max(JUMPS)
        field_y, field_x = self.nnf_y.reshape(self.hp, self.wp), self.nnf_x.reshape(self.hp, self.wp)
        for y0, y1, x0, x1 in self.target_boxes:
            y0, y1 = max(0, y0 - reach), min(self.hp, y1 + reach)
            x0, x1 = max(0, x0 - reach), min(self.wp, x1 + reach)
            field_y[y0:y1, x0:x1] = np.arange(y0, y1, dtype=np.int32)[:, None]
            field_x[y0:y1, x0:x1] = np.arange(x0, x1, dtype=np.int32)[None, :]
        self.t_dist = np.full(len(self.t_idx), np.inf, np.float32)
        self.features = None
        self._neighbours = {}  # (jump, dy, dx) -> the targets' neighbours, see _neighbour
        self.spare = None  # a coarser level's feature grid, to reuse (upsample_field, compute_features)
        self.basis = _BASIS
        self.rows_weigh = False  # whether the search weighs rows apart (ROW_COST), set by complete
        self.row_cost = 0.0  # per squared row apart, in distance units; 0: not weighed
        # Per target, the side of a boundary it copies from (1, 2; 0 = any), and per padded
        # pixel the side a source centred there is on (_Sides.constrain); None: no boundary.
        self.side_t = None
        self.side_src = None
        self.vote_side = None   # (hp, wp): per hole pixel, the side whose colour it takes in the votes
        # (h, w) float32, one more feature per patch (GUIDE_RADIUS), or None; padded by
        # compute_features.
        self.guide = None

    # --- filling the hole -------------------------------------------------------------

    def set_hole_pixels(self, rgb: np.ndarray) -> None:
        """Hole pixels from `rgb` (h, w, 3), the level's unpadded size."""
        r, w = self.r, self.size[1]
        hy, hx = np.divmod(self.h_idx, self.wp)
        self.image.reshape(-1, 3)[self.h_idx] = rgb.reshape(-1, 3)[(hy - r) * w + (hx - r)]
        self._refresh_border()

    def _refresh_border(self) -> None:
        # The padding mirrors the image, including the current guess inside the hole.
        if self.near_edge:
            self._mirror_border()

    def _mirror_border(self) -> None:
        """The r px of padding from the image, as BORDER_REFLECT_101 (the edge pixel is not repeated).

        Columns first on the image's rows, then whole rows, so the corners come out as
        copyMakeBorder makes them; touches only the padding and the r + 1 px inside it.
        Levels are at least 2r + 2 px on a side (`complete`, `_pyramid`).
        """
        r, (h, w), image = self.r, self.size, self.image
        image[r:r + h, :r] = image[r:r + h, 2 * r:r:-1]
        image[r:r + h, r + w:] = image[r:r + h, r + w - 2:w - 2:-1]
        image[:r] = image[2 * r:r:-1]
        image[r + h:] = image[r + h - 2:h - 2:-1]

    def result(self, base: np.ndarray) -> np.ndarray:
        """`base` (h, w, 3) uint8, the level's known pixels, with the hole filled in."""
        r, w = self.r, self.size[1]
        hy, hx = np.divmod(self.h_idx, self.wp)
        out = base.copy()
        # Only the hole changed: converting the whole level would cost more than the fill.
        out.reshape(-1, 3)[(hy - r) * w + (hx - r)] = np.clip(np.rint(self.image.reshape(-1, 3)[self.h_idx]), 0, 255)
        return out

    # --- the field --------------------------------------------------------------------

    def random_field(self, rng: np.random.Generator) -> None:
        pick = self.source_idx[rng.integers(0, len(self.source_idx), len(self.t_idx))]
        self.nnf_y[self.t_idx], self.nnf_x[self.t_idx] = np.divmod(pick, self.wp)
        self.t_dist[:] = np.inf

    def upsample_field(self, coarse: "_Level") -> None:
        r = self.r
        # The coarser level's feature grid, for this level's (compute_features), if it holds
        # FEATURES values a pixel of this level: else it is let go with that level, as before.
        if coarse.features is not None and coarse.features.size >= self.hp * self.wp * FEATURES:
            self.spare = coarse.features
        oy, ox = self.ty - r, self.tx - r
        cy = np.minimum(oy // 2, coarse.size[0] - 1) + r
        cx = np.minimum(ox // 2, coarse.size[1] - 1) + r
        cidx = cy * coarse.wp + cx
        sy = 2 * (coarse.nnf_y[cidx] - r) + (oy & 1) + r
        sx = 2 * (coarse.nnf_x[cidx] - r) + (ox & 1) + r
        ok = (sy >= 0) & (sy < self.hp) & (sx >= 0) & (sx < self.wp)
        ok[ok] = self.source_flat[sy[ok] * self.wp + sx[ok]]
        if not ok.all():
            # A match this level cannot take (its patch reaches into the hole here, or
            # lies beyond this level's reach) moves to the nearest source patch, so it
            # stays close to its neighbours' matches. A random source pasted unrelated
            # blocks that the few fine steps kept; the source nearest the target
            # streaked the fill radially.
            fy, fx = self._nearest_source(np.clip(sy[~ok], 0, self.hp - 1), np.clip(sx[~ok], 0, self.wp - 1))
            sy[~ok], sx[~ok] = fy, fx
        self.nnf_y[self.t_idx], self.nnf_x[self.t_idx] = sy, sx
        self.t_dist[:] = np.inf

    def _nearest_source(self, ys: np.ndarray, xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, col) of the source patch nearest to each of the positions (ys, xs), padded coordinates."""
        y0, y1 = max(0, int(ys.min()) - self.reach), min(self.hp, int(ys.max()) + self.reach + 1)
        x0, x1 = max(0, int(xs.min()) - self.reach), min(self.wp, int(xs.max()) + self.reach + 1)
        sources = self.source_ok[y0:y1, x0:x1]
        _, labels = cv2.distanceTransformWithLabels((~sources).astype(np.uint8), cv2.DIST_L2, 5,
                                                    labelType=cv2.DIST_LABEL_PIXEL)
        # DIST_LABEL_PIXEL numbers the zero (source) pixels 1, 2, ... in raster order.
        where = np.flatnonzero(sources.ravel())[labels[ys - y0, xs - x0] - 1]
        sy, sx = np.divmod(where, x1 - x0)
        return (sy + y0).astype(np.int32), (sx + x0).astype(np.int32)

    def guide_from_field(self, busy: np.ndarray, hole: np.ndarray) -> np.ndarray:
        """The guide feature (GUIDE_RADIUS): `busy` (h, w), the level's _busyness, with
        each pixel of `hole` (h, w) bool taking the value at its current match (the
        coarser level's, upsampled), held within the range of the values at the known
        pixels within GUIDE_RING px of the hole that lie within twice the hole's depth
        of it: where those all measure grain, the hole asks for grain."""
        r, w = self.r, self.size[1]
        depth = cv2.distanceTransform(hole.astype(np.uint8), cv2.DIST_L2, 3)
        ring = (~hole) & (cv2.distanceTransform((~hole).astype(np.uint8), cv2.DIST_L2, 3) <= GUIDE_RING)
        span = 2 * int(np.ceil(depth.max())) + 1
        square = np.ones((2 * span + 1, 2 * span + 1), np.uint8)
        low = cv2.erode(np.where(ring, busy, np.float32(np.inf)), square).ravel()
        high = cv2.dilate(np.where(ring, busy, np.float32(0)), square).ravel()
        hy, hx = np.divmod(self.h_idx, self.wp)
        at = (hy - r) * w + (hx - r)
        matched = busy[self.nnf_y[self.h_idx] - r, self.nnf_x[self.h_idx] - r]
        # A hole pixel with no ring pixel that near keeps its nearest known pixel's value.
        near = low[at] <= high[at]
        out = busy.copy()
        out.ravel()[at[near]] = np.clip(matched[near], low[at[near]], high[at[near]])
        return out

    # --- patch features ---------------------------------------------------------------

    def compute_features(self, *, full: bool, boxes: list | None = None) -> None:
        """Project the patches that matter: all within reach of the hole, or only the targets.

        Sources are fully known, so after the first projection at a level only patches
        centred on targets change. `boxes`, with `full`: only those (reachable_boxes).
        """
        r = self.r
        if self.features is None:
            # Never read outside the boxes below but at candidates that are then refused,
            # so what the memory held before does not matter: the coarser level's grid is
            # taken when it is large enough (a _RICH level's 67 values a pixel are about
            # the next finer level's 16 at four times the pixels). Fresh memory is paid for
            # page by page on first write: 40 MB at 2 MP, about a third of compute_features.
            columns = len(self.basis) + (self.guide is not None)
            size = self.hp * self.wp * columns
            if self.spare is not None and self.spare.size >= size:
                self.features = self.spare.reshape(-1)[:size].reshape(self.hp * self.wp, columns)
            self.spare = None  # let go before a fresh grid is made: never both alive
            if self.features is None:
                self.features = np.zeros((self.hp * self.wp, columns), np.float32)
            if self.guide is not None:  # padded as the image is, once
                self.guide = cv2.copyMakeBorder(self.guide, r, r, r, r, cv2.BORDER_REFLECT_101)
        grid = self.features.reshape(self.hp, self.wp, -1)
        # The guide (GUIDE_RADIUS), fixed for the level, is merged in as the last feature.
        guide = self.guide
        for y0, y1, x0, x1 in (self.target_boxes if not full else self.reach_boxes if boxes is None else boxes):
            _project(self.image[y0 - r:y1 + r, x0 - r:x1 + r], self.basis, inner=r, out=grid[y0:y1, x0:x1],
                     extra=None if guide is None else guide[y0:y1, x0:x1])
        # A copy of the targets' features is quicker to read than the grid (11 % of the
        # whole repair at 2 MP) but takes 64 bytes a target: 265 MB for the 4.3 M of a
        # 24 MP photo's 15 % hole, whose candidates then read the grid.
        self.t_features = self.features.take(self.t_idx, axis=0) if len(self.t_idx) <= COPIED_TARGETS else None
        if full and self.rows_weigh:
            self.row_cost = ROW_COST * self._typical_distance() / np.float32(self.size[0]) ** 2
        self.t_dist = self._distance(self.nnf_y[self.t_idx], self.nnf_x[self.t_idx])[0]

    def reachable_boxes(self, *, passes: int, radius: int) -> list[tuple[int, int, int, int]]:
        """Parts of reach_boxes holding every patch that `search(passes=passes, radius=radius)`
        can read from the field as it is now: the same features there as from reach_boxes,
        bit for bit (FILTER_ALIGN), for 72 % of the projection at a 2 MP photo's finest level
        (63 % if cut pixel by pixel).

        Each try moves a match at most max(JUMPS) px from some target's match (propagation)
        or `radius` px from its own (random search), so a search only reads sources within
        the sum of those moves of a target's current match, or of the field's identity
        around the targets that propagation reads (__init__).
        """
        r, hp, wp = self.r, self.hp, self.wp
        random = sum(radius >> k for k in range(radius.bit_length()))  # radius, radius // 2, ..., 1
        span = passes * (len(DIRECTIONS) * sum(JUMPS) + random)
        start = np.zeros((hp, wp), np.uint8)
        start.ravel()[self.nnf_y[self.t_idx].astype(np.int64) * wp + self.nnf_x[self.t_idx]] = 1
        jump = max(JUMPS)
        for y0, y1, x0, x1 in self.target_boxes:
            start[max(0, y0 - jump):y1 + jump, max(0, x0 - jump):x1 + jump] = 1
        near = _within_square(start, span)
        boxes = []
        for y0, y1, x0, x1 in self.reach_boxes:
            part = near[y0:y1, x0:x1]
            cols = np.flatnonzero(part.any(axis=0))
            if not len(cols):
                continue
            # Runs of columns apart by more than a box's rounding: the matches of a hole
            # often lie on either side of it, with unread sources between them.
            gaps = np.flatnonzero(np.diff(cols) > 2 * FILTER_ALIGN)
            for first, last in zip(np.r_[0, gaps + 1], np.r_[gaps, len(cols) - 1]):
                c0, c1 = int(cols[first]), int(cols[last]) + 1
                rows = np.flatnonzero(part[:, c0:c1].any(axis=1))
                boxes.append((y0 + int(rows[0]), y0 + int(rows[-1]) + 1) + _aligned(x0, x1, x0 + c0, x0 + c1, r))
        return boxes

    def _likeness(self) -> np.ndarray:
        """Each target's distance to its match without the row term: what the votes weigh."""
        if not self.row_cost:
            return self.t_dist
        shift = (self.nnf_y.take(self.t_idx) - self.ty).astype(np.float32)
        return self.t_dist - np.float32(self.row_cost) * shift * shift

    def _typical_distance(self) -> float:
        """The median feature distance between two sources, over about ROW_SAMPLE pairs."""
        idx = self.source_idx[::max(1, len(self.source_idx) // ROW_SAMPLE)]
        diff = self.features.take(idx, axis=0) - self.features.take(idx[::-1], axis=0)
        return float(np.median(np.einsum("ij,ij->i", diff, diff)))

    def _distance(self, sy: np.ndarray, sx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(distance, sy, sx) per target to candidate sources; inf where not a valid source.

        Candidates off the array are clamped onto it: still a candidate, just another one.
        `sy` and `sx` are the caller's fresh arrays, clamped in place (np.clip's checks cost
        more than the clamping at these sizes).
        """
        src = self._clamped(sy, sx)
        valid = self.source_flat[src]
        if self.side_t is not None:
            valid &= (self.side_t == 0) | (self.side_src.take(src) == self.side_t)
        d = np.full(len(src), np.inf, np.float32)
        rows = np.flatnonzero(valid)
        d[rows] = self._distances(rows, src[rows])
        return d, sy, sx

    def _clamped(self, sy: np.ndarray, sx: np.ndarray) -> np.ndarray:
        """Flat (padded) indices of the candidates (sy, sx), clamped onto the array in place."""
        np.minimum(np.maximum(sy, 0, out=sy), self.hp - 1, out=sy)
        np.minimum(np.maximum(sx, 0, out=sx), self.wp - 1, out=sx)
        return sy * self.wp + sx

    def _distances(self, rows: np.ndarray, src: np.ndarray) -> np.ndarray:
        """Squared feature distances (float32) between the targets numbered `rows` and the
        source patches at the flat indices `src`, DISTANCE_CHUNK at a time. A target's
        distance does not depend on which others are computed with it."""
        # Rows are gathered with take(axis=0): 3-4x faster than fancy indexing (numpy 2.4).
        d = np.empty(len(rows), np.float32)
        chunk = max(1, DISTANCE_CHUNK // self.features.shape[1])
        for start in range(0, len(rows), chunk):
            part = slice(start, start + chunk)
            which = rows[part]
            own = (self.features.take(self.t_idx[which], axis=0) if self.t_features is None
                   else self.t_features.take(which, axis=0))
            diff = self.features.take(src[part], axis=0)
            diff -= own  # the source's minus the target's: the same squares
            d[part] = np.einsum("ij,ij->i", diff, diff)
        if self.row_cost:
            shift = (src // self.wp - self.ty.take(rows)).astype(np.float32)
            d += np.float32(self.row_cost) * shift * shift
        return d

    # --- PatchMatch -------------------------------------------------------------------

    def search(self, rng: np.random.Generator, *, passes: int, radius: int | None = None) -> None:
        span = max(self.hp, self.wp)
        n = len(self.t_idx)
        # Each target's current source patch (flat index), kept up to date by _try.
        self.t_src = self.nnf_y[self.t_idx].astype(np.int64) * self.wp + self.nnf_x[self.t_idx]
        for _ in range(passes):
            for jump in JUMPS:
                for dy, dx in DIRECTIONS:
                    # Neighbour's match, shifted back: coherent copies grow across the hole.
                    nidx = self._neighbour(jump, dy, dx)
                    self._try(self.nnf_y.take(nidx) + dy * jump, self.nnf_x.take(nidx) + dx * jump)
            if radius is None:
                self._try(*np.divmod(self.source_idx[rng.integers(0, len(self.source_idx), n)], self.wp))
            step = max(1, span // RANDOM_SPAN_DIVISOR) if radius is None else radius
            while step >= 1:
                self._try(self.nnf_y.take(self.t_idx) + rng.integers(-step, step + 1, n, dtype=np.int32),
                          self.nnf_x.take(self.t_idx) + rng.integers(-step, step + 1, n, dtype=np.int32))
                step //= 2

    def _neighbour(self, jump: int, dy: int, dx: int) -> np.ndarray:
        """Flat index of each target's neighbour at -jump * (dy, dx), clamped onto the
        array; the same at every step of the level, so made once where the level has
        at most NEIGHBOURS_KEPT targets (see there), else each time."""
        key = (jump, dy, dx)
        if key in self._neighbours:
            return self._neighbours[key]
        # In place: a level with many targets makes these at every pass, and each
        # temporary is 8 bytes a target (35 MB at a 24 MP photo's finest level).
        nidx = self.ty - dy * jump
        np.clip(nidx, 0, self.hp - 1, out=nidx)
        nidx *= self.wp
        nx = self.tx - dx * jump
        nidx += np.clip(nx, 0, self.wp - 1, out=nx)
        if len(self.t_idx) <= NEIGHBOURS_KEPT:
            self._neighbours[key] = nidx = nidx.astype(np.int32)
        return nidx

    def _try(self, sy: np.ndarray, sx: np.ndarray) -> None:
        """Take each candidate (sy, sx) that is nearer than its target's current match.

        Only valid sources other than the current match are compared: the match itself
        would come out at exactly its distance and never win (about half the candidates
        of a propagation pass once the field is coherent), an invalid one at inf.
        """
        src = self._clamped(sy, sx)
        keep = self.source_flat.take(src)
        keep &= src != self.t_src
        if self.side_t is not None:
            keep &= (self.side_t == 0) | (self.side_src.take(src) == self.side_t)
        rows = np.flatnonzero(keep)
        d = self._distances(rows, src[rows])
        better = d < self.t_dist[rows]
        won = rows[better]
        t = self.t_idx[won]
        self.nnf_y[t], self.nnf_x[t] = sy[won], sx[won]
        self.t_dist[won] = d[better]
        self.t_src[won] = src[won]

    # --- gradient-domain fusion --------------------------------------------------------

    def fuse(self, cycles: int = FUSE_CYCLES, *, keep_seams: bool = False, fit_flat_seams: bool = False) -> None:
        """Keep the copied gradients, not the copied shades (Perez et al. 2003).

        Solves for the hole pixels f: for every hole pixel p, the sum over its 4
        neighbours q of f(p) - f(q) is the sum of what the sources say those steps are,
        with the known pixels fixed. So every piece keeps the detail it was copied with,
        while a piece of sky copied from a lighter part of the sky is shaded to fit, at
        its border with the known pixels and at its border with the next copied piece.

        A step between two hole pixels is what the first one's source says (the second's
        where the first's cannot say), the same number in both pixels' equations: steps
        that disagree between the two equations add up to a false shade over a wide fill.
        Taking one source's step rather than the mean of both keeps a noisy texture
        as noisy (where neighbours come from different places, the mean of two unrelated
        steps smoothed it: texture ratio 0.80 instead of 0.91 on the bench strokes).

        Solved for the change to the copy, x = f - copy: the Laplacian of x is what the
        steps should be minus what they are, summed over each pixel's neighbours.

        With `keep_seams`, a step between two hole pixels further than FUSE_EDGE from
        what the source says is kept as copied, as next to a known pixel. Within a piece
        the copy's step is its source's already (neighbours copied from neighbouring
        sources), so this only touches the seams between pieces copied from different
        places: a piece of field beside a piece of sky is no longer made to agree with
        it, and each is shaded by its border with the known pixels (LARGE_HOLE). Seams
        between two shades of one sky still are made to agree where they are within
        FUSE_EDGE, and with `fit_flat_seams` however far apart, if both pieces are flat
        (SEAM_FLAT).
        """
        # The search and the votes are over: their features (64 bytes a pixel of the
        # level, and as much again per target), field (8 bytes a pixel), targets'
        # indices, distances and matches (36 bytes a target) and sources' indices would
        # stay alive beside the fusion's buffers (240 MB at a 24 MP photo's finest level).
        # Only the image, the hole and source_of are read from here on.
        self.features = self.t_features = None
        self.nnf_y = self.nnf_x = self.t_idx = self.ty = self.tx = self.t_dist = self.t_src = None
        self.source_idx = None
        hp, wp = self.hp, self.wp
        in_hole = self.hole_p.ravel()
        pixels = self.h_idx
        n = len(pixels)
        row_of = np.full(len(in_hole), -1, np.int32)
        row_of[pixels] = np.arange(n, dtype=np.int32)
        image = self.image.reshape(-1, 3)
        # Each hole pixel's source (x, y, padded; x = -1 where the last vote left the pixel).
        # Gathers by take(): 3-12x faster than fancy indexing of rows and columns (numpy 2.4).
        source = self.source_of.reshape(-1, 2).take(pixels, axis=0)

        def says(rows, dy, dx):
            """(known, step) for the hole pixels `rows`: what each one's source says
            f(p) - f(p + (dy, dx)) is, where the source's neighbour is a known pixel on
            the array."""
            picked = source[rows] if isinstance(rows, slice) else source.take(rows, axis=0)
            sx, sy = picked[:, 0], picked[:, 1]
            known = (sx >= 0) & (sy + dy >= 0) & (sy + dy < hp) & (sx + dx >= 0) & (sx + dx < wp)
            at = np.where(known, sy.astype(np.int64) * wp + sx, 0)
            beside = np.where(known, at + (dy * wp + dx), 0)
            known &= ~in_hole.take(beside)
            return known, _planes_at(image, at) - _planes_at(image, beside)

        flat = self._flatness(source)
        # Pixels FUSE_CHUNK at a time: all at once took ~160 bytes a hole pixel.
        residual = np.zeros((3, n), np.float32)
        for dy, dx in ((0, 1), (1, 0)):
            d = dy * wp + dx
            # The step each pixel takes to its hole neighbour at +d, in both their equations.
            pair = np.zeros((3, n), np.float32)
            for start in range(0, n, FUSE_CHUNK):
                part = slice(start, start + FUSE_CHUNK)
                at = pixels[part]
                copy = _planes_at(image, at)
                for sign in (1, -1):
                    known, guide = says(part, sign * dy, sign * dx)
                    neighbour = row_of.take(at + sign * d)
                    step_now = copy - _planes_at(image, at + sign * d)
                    # Next to a known pixel, a step far from what the source says is an
                    # edge the fill did not continue (a roof, a trunk at the hole's
                    # border): keep that step rather than bleed the edge's colour into it.
                    delta = guide - step_now
                    fits = known & (neighbour < 0) & _within_edge(delta)
                    residual[:, part] += delta * fits
                    if sign == 1:
                        # Between two hole pixels: the first one's source's step, else
                        # the second's, else the copy's own.
                        second_known, second = says(np.maximum(neighbour, 0), -dy, -dx)
                        use_second = ~known & second_known
                        delta = np.where(known, delta, np.where(use_second, -second - step_now, 0))
                        if keep_seams:
                            # A seam between pieces of different content (a field's
                            # piece beside a sky's) is an edge too: kept as copied;
                            # with `fit_flat_seams`, one between two flat pieces (two
                            # shades of one sky) is fitted, so the shades blend (SEAM_FLAT).
                            kept = _within_edge(delta)
                            if fit_flat_seams:
                                kept |= (flat[part] >= SEAM_FLAT) & (flat.take(np.maximum(neighbour, 0)) >= SEAM_FLAT)
                            delta *= kept
                        pair[:, part] = delta * (neighbour >= 0)
            residual += pair
            # ... and the opposite step in the second pixel's equation.
            for start in range(0, n, FUSE_CHUNK):
                part = slice(start, start + FUSE_CHUNK)
                first = row_of.take(pixels[part] - d)
                residual[:, part] -= pair.take(np.maximum(first, 0), axis=1) * (first >= 0)
            del pair
        residual = np.ascontiguousarray(residual.T)
        change = _smooth_solution(pixels, wp, residual, cycles, flat)
        change += image.take(pixels, axis=0)  # the same sum as image[pixels] += change
        image[pixels] = change
        self._refresh_border()

    def _flatness(self, source: np.ndarray) -> np.ndarray:
        """(N,) float32 in 0..1 per hole pixel: 1 - (the standard deviation of the grey
        levels in the 5 x 5 neighbourhood of its source, `source` (N, 2) x, y padded, -1
        where none) / FUSE_FLAT, at least 0; 0 where the pixel has no source."""
        # The mean of the channels as image.mean(axis=2) sums and divides them (the same
        # floats), in a tenth of its time: 9 ms of a 2 MP repair's fusion.
        image = self.image
        grey = image[:, :, 0] + image[:, :, 1]
        grey += image[:, :, 2]
        grey /= np.float32(3)
        mean = cv2.blur(grey, (5, 5))
        np.multiply(grey, grey, out=grey)
        square = cv2.blur(grey, (5, 5))
        del grey
        has = source[:, 0] >= 0
        sy, sx = source[has, 1].astype(np.intp), source[has, 0].astype(np.intp)
        spread = np.sqrt(np.maximum(square[sy, sx] - mean[sy, sx] ** 2, 0))
        keep = np.zeros(len(source), np.float32)
        keep[has] = np.clip(1 - spread / FUSE_FLAT, 0, 1)
        return keep

    # --- voting -----------------------------------------------------------------------

    def vote_best(self) -> None:
        """The last vote: each hole pixel takes what the best-matching patch over it says.

        A weighted mean of the 49 overlapping patches blurs the texture it copies; the
        best one alone keeps it. Measured on the bench (auto, 20 photos, medians):
        texture ratio on strokes / objects 0.83 / 0.93 with a sharpened mean (weights
        exp(-10 d / d25)), 0.90 / 0.99 with the best patch, PSNR 0.01 dB lower. (Sharper
        means do not get there: their weights underflow to zero and the pixel is left
        as it was.)
        """
        # Patches outside the hole never vote: their distance is beyond any real one.
        self.source_of = np.full((self.hp, self.wp, 2), -1, np.int16)
        dist = np.full(self.hp * self.wp, np.finfo(np.float32).max, np.float32)
        dist[self.t_idx] = self._likeness()
        dist = dist.reshape(self.hp, self.wp)
        r, side = self.r, 2 * self.r + 1
        for y0, y1, x0, x1 in self.hole_boxes:
            # First which overlapping patch is best over each pixel (its offset's number, in
            # _proposals' order, so ties go the same way), then one remap of what it says:
            # a remap and a 3-channel copy per overlapping patch were a fifth of a 12 MP repair.
            best = np.full((y1 - y0, x1 - x0), np.inf, np.float32)
            pick = np.zeros((y1 - y0, x1 - x0), np.int16)
            better = np.empty((y1 - y0, x1 - x0), bool)
            for k in range(side * side):
                dy, dx = k // side - r, k % side - r
                d = self._voting(dist, (y0, y1, x0, x1), dy, dx, np.finfo(np.float32).max)
                np.less(d, best, out=better)
                np.minimum(best, d, out=best)  # d where better, else best: the same values
                np.copyto(pick, k, where=better)
            dy, dx = pick // side - r, pick % side - r
            # The flat index of each pixel's best patch, read from the field with take():
            # the same as indexing its (row, col), several times faster.
            at = (np.arange(y0, y1)[:, None] - dy) * self.wp + (np.arange(x0, x1)[None, :] - dx)
            where = np.empty((y1 - y0, x1 - x0, 2), np.int16)
            where[:, :, 0] = self.nnf_x.take(at) + dx
            where[:, :, 1] = self.nnf_y.take(at) + dy
            value = cv2.remap(self.image, where, None, cv2.INTER_NEAREST)
            hole = (self.hole_p[y0:y1, x0:x1] & (best < np.finfo(np.float32).max))[:, :, None]
            np.copyto(self.image[y0:y1, x0:x1], value, where=hole)
            # Where each hole pixel was copied from (x, y, padded): the fusion's gradients.
            np.copyto(self.source_of[y0:y1, x0:x1], where, where=hole)
        self._refresh_border()

    def vote(self, *, uniform: bool = False) -> None:
        """Each hole pixel := weighted mean of what every overlapping patch's match says.

        Works band by band on the hole's extent with whole-array shifts and `cv2.remap`,
        several times faster than gathering pixel by pixel; bands keep a long diagonal
        stroke from costing its whole bounding box.
        """
        hp, wp = self.hp, self.wp
        # Patches outside the targets never vote: their distance is beyond any real one.
        dist = np.full(hp * wp, FAR, np.float32)
        likeness = None if uniform else self._likeness()
        dist[self.t_idx] = 0.0 if uniform else np.minimum(likeness, FAR)
        dist = dist.reshape(hp, wp)
        scale = 1.0 if uniform else VOTE_SCALE * float(np.percentile(likeness, VOTE_PCT)) + 1e-6
        offsets = [(dy, dx) for dy in range(-self.r, self.r + 1, VOTE_STRIDE) for dx in range(-self.r, self.r + 1, VOTE_STRIDE)]
        for box in self.hole_boxes:
            y0, y1, x0, x1 = box
            # Weights relative to the best patch over each pixel: exp(-d / scale) alone
            # underflows to 0 for every patch in a hard region, which then kept its
            # blurry first guess (grey blotches in the fill).
            nearest = np.full((y1 - y0, x1 - x0), FAR, np.float32)
            for dy, dx in offsets:
                np.minimum(nearest, self._voting(dist, box, dy, dx, FAR), out=nearest)
            acc = np.zeros((y1 - y0, x1 - x0, 3), np.float32)
            total = np.zeros((y1 - y0, x1 - x0), np.float32)
            # Every other overlapping patch: it moves the result as far as all 49 for a
            # third of the cost (the last vote, vote_best, reads all of them).
            # In place, in the same order of operations as acc += w * value: the same sums.
            w = np.empty((y1 - y0, x1 - x0), np.float32)
            for rows, cols, coords in self._proposals(box, step=VOTE_STRIDE):
                np.subtract(nearest, self._voting(dist, box, y0 - rows.start, x0 - cols.start, FAR), out=w)
                np.divide(w, np.float32(scale), out=w)
                np.exp(w, out=w)
                value = cv2.remap(self.image, coords, None, cv2.INTER_NEAREST)
                acc += np.multiply(value, w[:, :, None], out=value)
                total += w
            hole = (self.hole_p[y0:y1, x0:x1] & (total > 0))[:, :, None]
            with np.errstate(divide="ignore", invalid="ignore"):  # where total is 0: not taken
                np.divide(acc, total[:, :, None], out=acc)
            np.copyto(self.image[y0:y1, x0:x1], acc, where=hole)
        self._refresh_border()

    def _voting(self, dist: np.ndarray, box: tuple[int, int, int, int], dy: int, dx: int, far) -> np.ndarray:
        """The distances (padded (hp, wp) `dist`) of the patches centred at q - (dy, dx) for
        the pixels q of `box`, `far` where what such a patch says q is comes from a pixel
        of the other side's colour (_Sides): a patch of sea centred just above a slope
        holds grass in its corner, and copied across the hole it drew the slope again,
        shifted, a notch the size of a coarse patch.
        """
        y0, y1, x0, x1 = box
        d = dist[y0 - dy:y1 - dy, x0 - dx:x1 - dx]
        if self.vote_side is None:
            return d
        nnf_y, nnf_x = self.nnf_y.reshape(self.hp, self.wp), self.nnf_x.reshape(self.hp, self.wp)
        sy = np.clip(nnf_y[y0 - dy:y1 - dy, x0 - dx:x1 - dx] + dy, 0, self.hp - 1)
        sx = np.clip(nnf_x[y0 - dy:y1 - dy, x0 - dx:x1 - dx] + dx, 0, self.wp - 1)
        side = self.vote_side[y0:y1, x0:x1]
        ok = (side == 0) | (self.side_src.reshape(self.hp, self.wp)[sy, sx] == side)
        return np.where(ok, d, np.float32(far))

    def _proposals(self, box: tuple[int, int, int, int], *, step: int):
        """What the patches overlapping the pixels of `box` say they are, offset by offset.

        For each offset d (every `step`-th of the (2r + 1)^2), yields (rows, cols, coords):
        the patches centred at q - d, for each q in the box, are at [rows, cols] of the
        level's maps, and say that q is their source's pixel + d, whose position `coords`
        (h, w, 2) int16 holds, ready for `cv2.remap`. The votes only differ in how they
        weigh what these say. (`coords` is one buffer, overwritten per offset; the caller
        remaps it at once, so the remapped copy is freed before the next is made: a
        generator yielding the copies was up to 20 % slower on the long stroke, in two
        of three back-to-back pairs of runs.)
        """
        y0, y1, x0, x1 = box
        r = self.r
        nnf_y, nnf_x = self.nnf_y.reshape(self.hp, self.wp), self.nnf_x.reshape(self.hp, self.wp)
        coords = np.empty((y1 - y0, x1 - x0, 2), np.int16)
        for dy in range(-r, r + 1, step):
            for dx in range(-r, r + 1, step):
                rows, cols = slice(y0 - dy, y1 - dy), slice(x0 - dx, x1 - dx)
                coords[:, :, 0] = nnf_x[rows, cols] + dx
                coords[:, :, 1] = nnf_y[rows, cols] + dy
                yield rows, cols, coords

_LAPLACE = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], np.float32)


def _within_edge(delta: np.ndarray) -> np.ndarray:
    """(N,) bool: every channel of `delta` (3, N) within FUSE_EDGE grey levels."""
    within = np.abs(delta[0]) <= FUSE_EDGE
    for channel in delta[1:]:
        within &= np.abs(channel) <= FUSE_EDGE
    return within


def _laplace(v: np.ndarray, inside: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """4 v - (the 4 neighbours' v), inside the domain; v (H, W, 3) float32 is 0 outside
    it, so the known pixels act as a fixed boundary (their values are on the right-hand
    side). `inside` (H, W, 3) float32 is 1 in the domain, 0 outside (_inside)."""
    out = cv2.filter2D(v, -1, _LAPLACE, dst=out, borderType=cv2.BORDER_CONSTANT)
    return np.multiply(out, inside, out=out)


def _inside(domain: np.ndarray) -> np.ndarray:
    """(H, W, 3) float32, 1 where `domain` (H, W) bool: masking an image with it is one
    plain multiply (a bool mask broadcast over the colours was 3x slower)."""
    return np.repeat(domain[:, :, None], 3, axis=2).astype(np.float32)


def _conjugate_gradients(inside, rhs, guess, iterations):
    return _conjugate_gradients_with(lambda v: _laplace(v, inside), rhs, guess, iterations)


def _conjugate_gradients_with(apply, rhs, x, iterations):
    """x improved by `iterations` conjugate-gradient steps on apply(x) = rhs, per colour
    channel (the last axis, 3); `apply` is symmetric positive definite."""
    def dot(a, b):
        return np.einsum("ij,ij->j", a.reshape(-1, 3), b.reshape(-1, 3))

    r = rhs - apply(x)
    p = r.copy()
    rr = dot(r, r)
    for _ in range(iterations):
        ap = apply(p)
        alpha = rr / np.maximum(dot(p, ap), 1e-20)
        x += alpha * p
        r -= alpha * ap
        rr_new = dot(r, r)
        p = r + (rr_new / np.maximum(rr, 1e-20)) * p
        rr = rr_new
    return x


def _smooth_solution(pixels: np.ndarray, width: int, residual: np.ndarray, cycles: int,
                     keep: np.ndarray | None = None) -> np.ndarray:
    """The smooth part of x, where _laplace(x) = residual over `pixels` and x = 0 elsewhere.

    `pixels` (N,) are sorted flat indices into an array of rows `width` long and
    `residual` (N, 3) float32 their right-hand sides; returns x at the pixels, (N, 3)
    float32, smoothed by a Gaussian of FUSE_SMOOTH px normalised over the pixels, and
    moved back towards x itself by `keep` (N,) float32 in 0..1, if given (FUSE_FLAT).
    """
    ys, xs = np.divmod(pixels, width)
    ys -= ys[0]
    xs -= xs.min()
    shape = (int(ys[-1]) + 1, int(xs.max()) + 1)
    # Flat indices into the box: gathers and scatters by them are several times faster
    # than by (ys, xs) (9 ms of a 2 MP repair's fusion), for the same values.
    at = ys * shape[1] + xs
    domain = np.zeros(shape, bool)
    domain.ravel()[at] = True
    rhs = np.zeros(shape + (3,), np.float32)
    rhs.reshape(-1, 3)[at] = residual
    if len(pixels) < SPARSE_SHARE * domain.size:
        # A thin stroke across a big crop: every pixel is near the fixed boundary, so a
        # few conjugate-gradient steps over its own pixels settle it, where a multigrid
        # over its box would cost more than the fill.
        x = _solve_on_pixels(domain, rhs, SPARSE_STEPS)
    else:
        x = _solve_poisson(domain, rhs, cycles)
    del rhs
    # Only the smooth part of the change: where neighbours were copied from different
    # places their steps disagree around a loop, the solve evens that out and the
    # texture lost a tenth of its detail (bench strokes: texture ratio 0.82 against
    # 0.91). Shades and seams are smooth changes; detail stays as copied. The Gaussian
    # is normalised over the hole, so the change at its border is not pulled to 0.
    sums = np.empty(shape + (4,), np.float32)
    sums[:, :, :3] = x
    flat = np.flatnonzero(keep > 0) if keep is not None else np.zeros(0, np.intp)
    full = x.reshape(-1, 3).take(at[flat], axis=0)
    del x
    sums[:, :, 3] = domain
    sums = cv2.GaussianBlur(sums, (0, 0), FUSE_SMOOTH).reshape(-1, 4).take(at, axis=0)
    smooth = sums[:, :3] / sums[:, 3:]
    smooth[flat] += keep[flat, None] * (full - smooth[flat])
    return smooth


def _solve_on_pixels(domain: np.ndarray, rhs: np.ndarray, steps: int) -> np.ndarray:
    """`steps` conjugate-gradient steps for _laplace(x) = rhs in `domain` (H, W) bool from
    x = 0, over the domain's pixels alone; rhs (H, W, 3). Returns x, (H, W, 3)."""
    h, w = domain.shape
    padded = np.zeros((h + 2, w + 2), bool)
    padded[1:-1, 1:-1] = domain
    pixels = np.flatnonzero(padded)
    # Row len(pixels) of the padded vector is 0: a neighbour outside the domain reads it.
    row_of = np.full(padded.size, len(pixels), np.intp)
    row_of[pixels] = np.arange(len(pixels))
    neighbours = [row_of[pixels + d] for d in (1, -1, w + 2, -(w + 2))]
    vector = np.zeros((len(pixels) + 1, 3), np.float32)
    gathered = np.empty((len(pixels), 3), np.float32)

    def apply(v):
        vector[:-1] = v
        out = 4 * v
        for n in neighbours:
            out -= np.take(vector, n, axis=0, out=gathered)
        return out

    x = np.zeros_like(rhs)
    x[domain] = _conjugate_gradients_with(apply, rhs[domain], np.zeros((len(pixels), 3), np.float32), steps)
    return x


def _solve_poisson(domain: np.ndarray, rhs: np.ndarray, cycles: int) -> np.ndarray:
    """x with _laplace(x) = rhs in `domain` (H, W) bool and x = 0 outside it; rhs (H, W, 3)
    float32, 0 outside the domain.

    Multigrid V-cycles: a wide hole's smooth part is found at the coarse levels, which
    conjugate gradients alone took hundreds of full-size steps for (7x the time for the
    same error on a 300 x 400 disc).
    """
    inside = _inside(domain)
    x = np.zeros_like(rhs)
    residual = rhs.copy()
    for cycle in range(cycles):
        x += _v_cycle(domain, residual, inside=inside)
        if cycle < cycles - 1:
            np.subtract(rhs, _laplace(x, inside, out=residual), out=residual)
    return x


def _jacobi(inside, rhs, x, steps, weight=0.8):
    """`steps` damped Jacobi steps on _laplace(x) = rhs, in place; rhs is 0 outside the domain."""
    scratch = np.empty_like(x)
    for _ in range(steps):
        _laplace(x, inside, out=scratch)
        np.subtract(rhs, scratch, out=scratch)
        scratch *= np.float32(weight / 4)
        x += scratch
    return x


def _v_cycle(domain: np.ndarray, rhs: np.ndarray, smooth: int = 3, *, inside: np.ndarray | None = None) -> np.ndarray:
    """One multigrid V-cycle for _laplace(x) = rhs in `domain` from x = 0: smooth, solve the
    residual at half the resolution (on the 2 x 2 blocks wholly inside the domain; the
    Laplacian at spacing 2 is 4x weaker, hence 4 x the mean), add it back, smooth.
    `inside` is _inside(domain), if the caller has it."""
    rows, cols = np.flatnonzero(domain.any(axis=1)), np.flatnonzero(domain.any(axis=0))
    if len(rows) == 0:
        return np.zeros_like(rhs)
    if (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1) != (0, 0) + domain.shape:
        # Work in the domain's box only: the coarse domain of a thin part shrinks to little.
        box = slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)
        x = np.zeros_like(rhs)
        x[box] = _v_cycle(domain[box], np.ascontiguousarray(rhs[box]), smooth)
        return x
    if inside is None:
        inside = _inside(domain)
    h, w = domain.shape
    if min(h, w) < 16 or domain.sum() < 256:
        return _conjugate_gradients(inside, rhs, np.zeros_like(rhs), 60)
    x = _jacobi(inside, rhs, np.zeros_like(rhs), smooth)
    residual = np.subtract(rhs, _laplace(x, inside))
    hh, ww = (h + 1) // 2, (w + 1) // 2
    if (h, w) != (2 * hh, 2 * ww):
        blocks = np.zeros((2 * hh, 2 * ww), bool)
        blocks[:h, :w] = domain
        residual = cv2.copyMakeBorder(residual, 0, 2 * hh - h, 0, 2 * ww - w, cv2.BORDER_CONSTANT, value=0)
    else:
        blocks = domain
    coarse = blocks.reshape(hh, 2, ww, 2).all(axis=(1, 3))
    # 4 x the mean of each block is its sum: cv2.resize's INTER_AREA gives the mean.
    coarse_rhs = cv2.resize(residual, (ww, hh), interpolation=cv2.INTER_AREA)
    del residual
    coarse_rhs *= _inside(coarse) * np.float32(4)
    correction = _v_cycle(coarse, coarse_rhs, smooth)
    up = cv2.resize(correction, (2 * ww, 2 * hh), interpolation=cv2.INTER_LINEAR)[:h, :w]
    x += np.multiply(up, inside, out=up)
    return _jacobi(inside, rhs, x, smooth)


def _within_square(mask: np.ndarray, reach: int) -> np.ndarray:
    """(H, W) bool: the pixels within a (2 reach + 1)-px square centred on a pixel of `mask`
    (H, W) uint8 0/1 holding at least one. The chessboard distance, exact with a 3 x 3
    mask: the same pixels as dilating by the square (a row then a column) in under half
    its time at the finest level of a 2 MP photo (2.9 against 6.8 ms, reach 256)."""
    return cv2.distanceTransform(1 - mask, cv2.DIST_C, 3) <= reach


def _aligned(x0: int, x1: int, a: int, b: int, r: int) -> tuple[int, int]:
    """Columns a..b of a band x0..x1, widened so that _project gives them the floats it gives
    them in the whole band (FILTER_ALIGN): from a multiple of FILTER_ALIGN past x0, a
    multiple of FILTER_ALIGN wide with the 2r px of frame the filters read, or to x1."""
    a = x0 + (a - x0) // FILTER_ALIGN * FILTER_ALIGN
    b = a + -(-(b - a + 2 * r) // FILTER_ALIGN) * FILTER_ALIGN - 2 * r
    return a, b if b <= x1 - FILTER_ALIGN else x1


def _bands(hole: np.ndarray, top: int, bottom: int, *, height: int = 64) -> list[tuple[int, int, int, int]]:
    """(y0, y1, x0, x1) boxes, `height` rows each, around the hole pixels of each band."""
    boxes = []
    for y0 in range(top, bottom, height):
        y1 = min(bottom, y0 + height)
        cols = np.flatnonzero(hole[y0:y1].any(axis=0))
        if len(cols):
            boxes.append((y0, y1, int(cols[0]), int(cols[-1]) + 1))
    return boxes


def _dct_rows(size: int, count: int) -> list[np.ndarray]:
    """The first `count` orthonormal DCT-II basis vectors of length `size`."""
    n = np.arange(size)
    rows = [np.full(size, 1 / np.sqrt(size))]
    rows += [np.sqrt(2 / size) * np.cos(np.pi * (n + 0.5) * u / size) for u in range(1, count)]
    return [row.astype(np.float32) for row in rows]


_ROWS = _dct_rows(2 * PATCH_RADIUS + 1, 2 * PATCH_RADIUS + 1)
# (channel weight vector, vertical frequency, horizontal frequency). Luminance keeps the
# frequencies u + v <= 3, the two colour-opponent channels only the coarse ones: the
# eye and natural photos put most of a patch's variation there.
_LUMA = (np.array([1, 1, 1]) / np.sqrt(3)).astype(np.float32)
_RED_BLUE = (np.array([1, 0, -1]) / np.sqrt(2)).astype(np.float32)
_GREEN = (np.array([-1, 2, -1]) / np.sqrt(6)).astype(np.float32)
_BASIS = (
    [(_LUMA, u, v) for u in range(4) for v in range(4) if u + v <= 3]
    + [(chroma, u, v) for chroma in (_RED_BLUE, _GREEN) for u, v in ((0, 0), (0, 1), (1, 0))]
)
FEATURES = len(_BASIS)
# Every luminance frequency and the three lowest in each direction of colour.
_RICH = (
    [(_LUMA, u, v) for u in range(7) for v in range(7)]
    + [(chroma, u, v) for chroma in (_RED_BLUE, _GREEN) for u in range(3) for v in range(3)]
)


def _project(rgb: np.ndarray, basis=_BASIS, inner: int = 0, out: np.ndarray | None = None,
             extra: np.ndarray | None = None) -> np.ndarray:
    """(H, W, len(basis)) float32: each pixel's 7x7x3 patch in a fixed orthonormal DCT basis;
    without its outer `inner` px when given (those are only the frame the filters read).
    Written into `out` (a view of that shape, e.g. of the level's feature grid) if given.
    With `extra` (H, W) float32, one more feature after them (len(basis) + 1).

    Orthonormal, so the distance between two projections never exceeds the patches' SSD
    and the largest components carry most of it. A fixed basis costs nothing to fit
    and each component is one separable filter.
    """
    # The colour channels as contiguous planes: the weighted sums below read them 3 times
    # each, and a strided channel of the (H, W, 3) array is slower to read.
    channels = cv2.split(rgb)
    planes, rows = {}, {}
    filtered = []
    for weights, u, v in basis:
        key = weights.tobytes()
        if key not in planes:
            # A weighted sum rather than `rgb @ weights`: BLAS threads are slow to wake for this.
            planes[key] = channels[0] * weights[0] + channels[1] * weights[1] + channels[2] * weights[2]
        # A separable filter is a pass along the rows then one along the columns, the rows'
        # result kept in float32 as sepFilter2D keeps it: the rows' pass of a plane and a
        # horizontal frequency is shared by every vertical frequency that goes with it (7
        # passes instead of 49 for _RICH's luminance), for the same floats, bit for bit.
        if (key, v) not in rows:
            rows[key, v] = cv2.sepFilter2D(planes[key], cv2.CV_32F, _ROWS[v], _ONE, borderType=cv2.BORDER_REFLECT_101)
        plane = cv2.sepFilter2D(rows[key, v], cv2.CV_32F, _ONE, _ROWS[u], borderType=cv2.BORDER_REFLECT_101)
        filtered.append(plane[inner:plane.shape[0] - inner, inner:plane.shape[1] - inner])
    if extra is not None:
        filtered.append(extra)
    # Interleaved by cv2.merge: 2-3x faster than writing each plane into a strided view;
    # straight into `out` when given, rather than a new array copied there.
    if out is None:
        return cv2.merge(filtered)
    merged = cv2.merge(filtered, dst=out)
    if not np.shares_memory(merged, out):  # OpenCV made a new array (a layout it cannot write into)
        out[...] = merged
    return out


# The identity kernel of a one-way pass of cv2.sepFilter2D (see _project).
_ONE = np.ones(1, np.float32)


PATCH = PatchEngine()
