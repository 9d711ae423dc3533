"""The few writes that touch several models or enqueue work."""

from __future__ import annotations

import unicodedata

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from . import engines, imaging, jobs, roles
from .engines import pipeline
from .models import Asset, Event, RepairJob, Review, Version
from .storage import delete_quietly, save_bytes


def clean_display_name(name: str) -> str:
    """The uploaded file name as safe display text: no path, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:255] or "photo"


def asset_create(*, owner, data: bytes, file_name: str) -> Asset:
    """Decode and check an upload, then store the original and version 1.

    Version 1 is the photo decoded upright and re-encoded as lossless PNG: whatever the
    upload carried besides pixels (EXIF, GPS, trailing bytes) is not served. Raises
    imaging.ImageError with a message for the user; nothing is stored then.
    """
    photo = imaging.decode_photo(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    version_png = imaging.encode_png(photo.rgb, photo.alpha)
    thumb = imaging.encode_thumbnail(photo.rgb, photo.alpha)
    written: list[str] = []
    try:
        ext = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[photo.source_format]
        original_name = save_bytes("originals", ext, data, written)
        version_name = save_bytes("versions", "png", version_png, written)
        thumb_name = save_bytes("thumbs", "png" if photo.alpha is not None else "jpg", thumb, written)
        with transaction.atomic():
            asset = Asset.objects.create(
                owner=owner,
                original_name=clean_display_name(file_name),
                original_file=original_name,
                original_format=photo.source_format,
                original_size=len(data),
                original_checksum=imaging.sha256(data),
                width=photo.width,
                height=photo.height,
            )
            version = Version.objects.create(
                asset=asset, number=1, file=version_name, thumbnail=thumb_name,
                width=photo.width, height=photo.height, size=len(version_png),
                checksum=imaging.sha256(version_png), has_alpha=photo.alpha is not None,
                created_by=owner,
            )
            Event.objects.create(
                kind=Event.ASSET_UPLOADED, actor=owner, asset=asset, version=version,
                data={"name": asset.original_name, "format": photo.source_format, "bytes": len(data),
                      "width": photo.width, "height": photo.height, "checksum": asset.original_checksum},
            )
    except BaseException:
        delete_quietly(written)
        raise
    return asset


# The fill is made from the photo around the mask: beyond this there is too little left.
MAX_MASK_FRACTION = 0.9


def repair_request_create(
    *,
    user,
    version: Version,
    mask_data: bytes,
    engine: str = engines.DEFAULT_ENGINE,
    dilate: int = pipeline.DEFAULT_DILATE,
    feather: int = pipeline.DEFAULT_FEATHER,
) -> RepairJob:
    """Check the mask against the version, store it, save a queued RepairJob and
    enqueue it once the transaction commits. Raises ValueError (ImageError,
    EngineError) with a message for the user; nothing is stored then."""
    engines.get(engine)  # an unknown name fails here, naming the known ones
    for name, value, top in (("dilate", dilate, pipeline.MAX_DILATE), ("feather", feather, pipeline.MAX_FEATHER)):
        if not 0 <= value <= top:
            raise engines.EngineError(f"{name} must be between 0 and {top} px, not {value}")
    imaging.check_photo_shape(version.width, version.height)  # versions stored before the limits
    mask = imaging.decode_mask(mask_data, size=(version.width, version.height), max_pixels=settings.MAX_IMAGE_PIXELS)
    covered = float((mask > 0).mean())
    if covered > MAX_MASK_FRACTION:
        raise imaging.ImageError(
            f"The mask covers {covered:.0%} of the photo; at most {MAX_MASK_FRACTION:.0%} can be removed, "
            "because the fill is made from what is left around it.")
    written: list[str] = []
    try:
        mask_name = save_bytes("masks", "png", imaging.encode_mask(mask), written)
        with transaction.atomic():
            job = RepairJob.objects.create(
                asset=version.asset, base_version=version, mask_file=mask_name,
                engine=engine, params={"dilate": dilate, "feather": feather}, created_by=user,
            )
            Event.objects.create(
                kind=Event.MASK_SUBMITTED, actor=user, asset=version.asset, version=version, job=job,
                data={"mask_pixels": int((mask > 0).sum()), "engine": engine, "params": job.params},
            )
            Event.for_job(job, from_status="", to_status=RepairJob.QUEUED, message=f"engine {engine}", actor=user)
            jobs.enqueue_on_commit(job)
    except BaseException:
        delete_quietly(written)
        raise
    return job


class ReviewConflict(Exception):
    """The review is not in the state the action needs (already decided, not submitted)."""


def version_submit(*, user, version: Version, note: str = "") -> Review:
    """Send a repaired draft version to the moderators' queue."""
    if version.number == 1:
        raise ReviewConflict("The original upload is not a repair; submit a repaired version.")
    now = timezone.now()
    with transaction.atomic():
        won = Review.objects.filter(version=version, state=Review.DRAFT).update(
            state=Review.PENDING, submitted_by=user, submitted_at=now, note=note.strip(),
            flagged=_needs_attention(version),
        )
        review = Review.objects.get(version=version)
        if not won:
            raise ReviewConflict(f"Version {version.number} is already {review.state}.")
        Event.objects.create(kind=Event.VERSION_SUBMITTED, actor=user, asset_id=version.asset_id,
                             version=version, message=review.note)
    return review


def _needs_attention(version: Version) -> bool:
    """Flagged for the moderator: pixels changed outside the mask, a visible seam, a
    fill far smoother than its surroundings (a smear), or a fill that changed nothing
    (the "repair" is a copy of its parent)."""
    from .diff import SEAM_FLAG, TEXTURE_FLAG

    smear = version.texture_ratio is not None and version.texture_ratio < TEXTURE_FLAG
    unchanged = version.mask_pixels > 0 and version.changed_inside_mask == 0
    return version.changed_outside_mask > 0 or (version.seam_score or 0) > SEAM_FLAG or smear or unchanged


class OwnVersion(Exception):
    """Four eyes: a moderator may not decide a version they made or submitted."""


FOUR_EYES_MESSAGE = "Four eyes: you made or submitted this version, so another moderator must decide it."


def is_own_version(user, version: Version) -> bool:
    review = getattr(version, "review", None)
    return user.pk in (version.asset.owner_id, version.created_by_id, review.submitted_by_id if review else None)


def four_eyes_blocks(user, version: Version) -> bool:
    """Whether four eyes stops this user deciding this version (admins may override)."""
    return settings.REVIEW_FOUR_EYES and is_own_version(user, version) and not roles.is_admin(user)


def review_decide(*, user, version: Version, decision: str, comment: str = "") -> Review:
    """Approve or reject a pending version. Of two moderators deciding at once exactly
    one wins (a conditional update); the other gets ReviewConflict naming the decision.
    With REVIEW_FOUR_EYES on (the default) a moderator cannot decide their own version
    (OwnVersion); an admin can, and the history records that they overrode it."""
    comment = comment.strip()
    if decision not in ("approve", "reject"):
        raise ValueError("decision must be 'approve' or 'reject'")
    if decision == "reject" and not comment:
        raise ValueError("A rejection needs a comment saying what to fix.")
    if four_eyes_blocks(user, version):
        raise OwnVersion(FOUR_EYES_MESSAGE)
    own = settings.REVIEW_FOUR_EYES and is_own_version(user, version)  # an admin's override, recorded
    state = Review.APPROVED if decision == "approve" else Review.REJECTED
    with transaction.atomic():
        won = Review.objects.filter(version=version, state=Review.PENDING).update(
            state=state, decided_by=user, decided_at=timezone.now(), comment=comment,
        )
        review = Review.objects.select_related("decided_by").filter(version=version).first()
        if not won:
            if review is None:  # version 1, or a draft that was never submitted
                raise ReviewConflict(f"Version {version.number} is not submitted for review.")
            if review.state in (Review.APPROVED, Review.REJECTED):
                who = review.decided_by.get_username() if review.decided_by else "someone"
                raise ReviewConflict(f"Version {version.number} was already {review.state} by {who}.")
            raise ReviewConflict(f"Version {version.number} is not submitted for review.")
        if state == Review.APPROVED:
            Asset.objects.filter(pk=version.asset_id).update(published_version=version)
        Event.objects.create(
            kind=Event.VERSION_APPROVED if state == Review.APPROVED else Event.VERSION_REJECTED,
            actor=user, asset_id=version.asset_id, version=version, message=comment,
            data={"four_eyes_override": True} if own else {},
        )
    return review


# ---------------------------------------------------------------- API and batch ingestion

MODE_INPAINT = "inpaint"
MODE_REMOVE_TEXT = "remove_text"
MODES = (MODE_INPAINT, MODE_REMOVE_TEXT)


class TextFindUnavailable(ValueError):
    """remove_text was asked for but this build has no text finder."""


def text_mask_find(*, version: Version) -> bytes:
    """The mask over the text that `textfind` finds in the version, as a PNG.

    Found at submit time, not in the worker: the caller learns at once that a photo has
    no text, and the job then carries an ordinary mask, so the worker, retries, the
    sweep and the reviewer's view of what was removed all stay as for a painted mask.
    Raises ValueError when there is no text finder or no text.
    """
    try:
        from . import textfind
    except ImportError:
        raise TextFindUnavailable("remove_text is not available on this server yet; send a mask with mode=inpaint.") from None
    with version.file.open("rb") as fh:
        photo = imaging.decode_photo(fh.read(), max_pixels=settings.MAX_IMAGE_PIXELS)
    mask = textfind.find_text(photo.rgb)
    if not mask.any():
        raise ValueError("No text was found in the photo, so there is nothing for remove_text to remove.")
    return imaging.encode_mask(mask)


def repair_submit(
    *,
    user,
    version: Version,
    mask_data: bytes | None,
    mode: str = MODE_INPAINT,
    engine: str = engines.DEFAULT_ENGINE,
    dilate: int = pipeline.DEFAULT_DILATE,
    feather: int = pipeline.DEFAULT_FEATHER,
) -> RepairJob:
    """repair_request_create for either mode: remove_text finds its own mask."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == MODE_REMOVE_TEXT:
        if mask_data is not None:
            raise ValueError("remove_text finds the text itself: send no mask with it.")
        engines.get(engine)  # refuse a bad engine before the (slower) text search
        mask_data = text_mask_find(version=version)
    elif mask_data is None:
        raise ValueError("No mask was sent: send a PNG mask, white over what should be removed, or "
                         "mode=remove_text, which finds overlaid text itself and needs no mask.")
    return repair_request_create(user=user, version=version, mask_data=mask_data, engine=engine,
                                 dilate=dilate, feather=feather)


def photo_repair_create(
    *,
    user,
    data: bytes,
    file_name: str,
    mask_data: bytes | None,
    mode: str = MODE_INPAINT,
    engine: str = engines.DEFAULT_ENGINE,
    dilate: int = pipeline.DEFAULT_DILATE,
    feather: int = pipeline.DEFAULT_FEATHER,
) -> RepairJob:
    """Upload a photo and queue its repair as one step. If the repair is refused (bad
    mask, no text, unknown engine) the photo is not kept either: nothing half-made."""
    with transaction.atomic():
        asset = asset_create(owner=user, data=data, file_name=file_name)
        version = asset.latest_version()
        try:
            return repair_submit(user=user, version=version, mask_data=mask_data, mode=mode,
                                 engine=engine, dilate=dilate, feather=feather)
        except BaseException:
            # The rows roll back with this transaction; the files were already written.
            delete_quietly([asset.original_file.name, version.file.name, version.thumbnail.name])
            raise
