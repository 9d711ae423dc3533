"""The few writes that touch several models or enqueue work."""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from . import engines, imaging, jobs, roles, textdetect, textfind
from .engines import pipeline
from .models import Asset, Event, RepairJob, Review, Version
from .storage import delete_quietly, save_bytes

log = logging.getLogger(__name__)


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
            version = asset.add_version(
                file=version_name, thumbnail=thumb_name,
                width=photo.width, height=photo.height, size=len(version_png),
                checksum=imaging.sha256(version_png), has_alpha=photo.alpha is not None,
                created_by=owner,
            )
            Event.objects.create(
                kind=Event.ASSET_UPLOADED, actor=owner, asset=asset, version=version,
                data={"name": asset.original_name, "format": photo.source_format, "bytes": len(data),
                      "width": photo.width, "height": photo.height, "checksum": asset.original_checksum},
            )
            if settings.TEXT_SCREEN_ON_UPLOAD:
                jobs.enqueue_screen_on_commit(asset)
    except BaseException:
        delete_quietly(written)
        raise
    return asset


# ---------------------------------------------------------------- repairs

MODE_INPAINT = "inpaint"
MODE_REMOVE_TEXT = "remove_text"
MODES = (MODE_INPAINT, MODE_REMOVE_TEXT)


# ---------------------------------------------------------------- the text model

TEXT_MODEL_LOADING = ("The text model is loading (the first Find text since the server started); "
                      "it is ready in a few seconds.")
_text_model_lock = threading.Lock()
_text_model_thread: threading.Thread | None = None


def text_model_warm() -> None:
    """Start loading the text model (textdetect.load, ~2.5 s) in a background thread of
    this process, unless it is loaded or loading already. The web process calls this as
    it starts (wsgi.py, which runserver loads too), and Find text when it finds it cold,
    so an operator's Find text finds the model loaded, or is told it is loading, instead
    of waiting in the request. (The worker loads it before it forks: worker.py.)"""
    global _text_model_thread
    with _text_model_lock:
        if text_model_ready() or (_text_model_thread is not None and _text_model_thread.is_alive()):
            return
        _text_model_thread = threading.Thread(target=textdetect.load, name="text-model", daemon=True)
        _text_model_thread.start()


def text_model_ready() -> bool:
    """Whether this process has the text model loaded, or knows it cannot load it (the
    classical finder then answers at once): load() caches either answer, and its cache
    says so (and forgets it when a test clears it)."""
    return textdetect.load.cache_info().currsize > 0


def text_model_wait(timeout: float | None = None) -> bool:
    """Wait for a load text_model_warm started (at most `timeout` s); whether it is ready."""
    thread = _text_model_thread
    if thread is not None:
        thread.join(timeout)
    return text_model_ready()


def text_find(*, version: Version) -> tuple[textfind.TextFound, dict]:
    """Find text's answer on a version: the lines found (overlay or scene text, with
    their words) and the mask over the overlays (`TextFound.mask`, (H, W) uint8, all 0
    when there is none), and how long decoding and searching took, in seconds
    ({"decode", "find"}). The editor's Find text and remove_text both ask here."""
    # Load it once: a second thread calling load() while the warm-up runs would load it again.
    text_model_wait()
    started = time.perf_counter()
    with version.file.open("rb") as fh:
        photo = imaging.decode_photo(fh.read(), max_pixels=settings.MAX_IMAGE_PIXELS)
    decoded = time.perf_counter()
    found = textfind.find_lines(photo.rgb)
    return found, {"decode": decoded - started, "find": time.perf_counter() - decoded}


def text_mask_find(*, version: Version) -> tuple[bytes, list[str]]:
    """The mask over the overlaid text that `textfind` finds in the version, as a PNG,
    and the words of the lines it covers.

    Found at submit time, not in the worker: the caller learns at once that a photo has
    no text, and the job then carries an ordinary mask, so the worker, retries, the
    sweep and the reviewer's view of what was removed all stay as for a painted mask.
    Raises ValueError when there is no text.
    """
    found, _ = text_find(version=version)
    if not found.mask.any():
        raise ValueError("No text was found in the photo, so there is nothing for remove_text to remove.")
    words = [line.words for line in found.lines if line.kind == textfind.OVERLAY and line.words]
    return imaging.encode_mask(found.mask), words


def photo_screen(data: bytes) -> list[str]:
    """The upload screen on a photo's bytes, storing nothing (`ingest --mode screen`):
    the words of each overlay line found ([] when none; "?" for a line not read).
    Raises imaging.ImageError for a file that is not a photo this app takes."""
    photo = imaging.decode_photo(data, max_pixels=settings.MAX_IMAGE_PIXELS)
    return [line.words or "?" for line in textfind.screen(photo.rgb)]


def asset_screen(*, asset: Asset) -> list[str]:
    """Screen a photo's upload for overlaid text (the moderation pre-filter) now, in
    this process: the words of each overlay line found on version 1 ([] when none),
    stored on the asset. The worker does the same after each upload (jobs.run_screen);
    `manage.py screen --unscreened --here` calls this."""
    return jobs.screen_asset(asset)


# The fill is made from the photo around the mask: beyond this there is too little left.
MAX_MASK_FRACTION = 0.9


def repair_create(
    *,
    user,
    mask_data: bytes | None,
    mode: str = MODE_INPAINT,
    engine: str = engines.DEFAULT_ENGINE,
    dilate: int = pipeline.DEFAULT_DILATE,
    feather: int = pipeline.DEFAULT_FEATHER,
    version: Version | None = None,
    photo: bytes | None = None,
    file_name: str = "",
    found_text: list[str] | None = None,
) -> RepairJob:
    """The one way a repair is asked for (the editor's Remove, the API, ingest): of
    `version`, or of a photo uploaded in the same step (`photo`, `file_name`).

    `mode` inpaint fills the mask sent; remove_text finds the text itself and takes no
    mask. `found_text` (the editor's Find text) says the mask came from Find text and
    holds the words of the lines it covers. With either, the job records the words and
    the worker checks that no text remains. The mask is checked against the version and stored, a queued RepairJob saved,
    and the job enqueued once the transaction commits. `dilate` and `feather` come
    checked (forms.RepairForm). Raises ValueError (ImageError, EngineError) with a
    message for the user; nothing is stored then, not even the uploaded photo.
    """
    if (version is None) == (photo is None):
        raise TypeError("repair_create takes a version or a photo, one of the two")
    options = {"mask_data": mask_data, "mode": mode, "engine": engine, "dilate": dilate, "feather": feather,
               "found_text": found_text}
    if version is not None:
        return _repair_of_version(user=user, version=version, **options)
    with transaction.atomic():
        asset = asset_create(owner=user, data=photo, file_name=file_name)
        first = asset.latest_version()
        try:
            return _repair_of_version(user=user, version=first, **options)
        except BaseException:
            # The rows roll back with this transaction; the files were already written.
            delete_quietly([asset.original_file.name, first.file.name, first.thumbnail.name])
            raise


def _repair_of_version(*, user, version: Version, mask_data: bytes | None, mode: str, engine: str, dilate: int,
                       feather: int, found_text: list[str] | None) -> RepairJob:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
    engines.get(engine)  # an unknown name fails here, naming the known ones (before the slower text search)
    text_source, words = ("", []) if found_text is None else (RepairJob.TEXT_FIND, list(found_text))
    if mode == MODE_REMOVE_TEXT:
        if mask_data is not None:
            raise ValueError("remove_text finds the text itself: send no mask with it.")
        mask_data, words = text_mask_find(version=version)
        text_source = RepairJob.TEXT_REMOVE
    elif mask_data is None:
        raise ValueError("No mask was sent: send a PNG mask, white over what should be removed, or "
                         "mode=remove_text, which finds overlaid text itself and needs no mask.")
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
                text_source=text_source, text_words=words,
            )
            Event.objects.create(
                kind=Event.MASK_SUBMITTED, actor=user, asset=version.asset, version=version, job=job,
                data={"mask_pixels": int((mask > 0).sum()), "engine": engine, "params": job.params,
                      **({"text_source": text_source, "text_words": words} if text_source else {})},
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
    """Flagged for the moderator: pixels changed outside the mask, a check the fill
    failed (Version.fill_flags: smear, blur, too much detail, a pattern, foreign
    content, a seam), or a fill that changed nothing (the "repair" is a copy of its
    parent). Versions made before fill_flags was recorded are judged on seam and smear."""
    from .diff import SEAM_FLAG, TEXTURE_FLAG

    smear = version.texture_ratio is not None and version.texture_ratio < TEXTURE_FLAG
    return (version.changed_outside_mask > 0 or bool(version.flags())
            or (version.seam_score or 0) > SEAM_FLAG or smear)


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
        if settings.DECISION_EMAILS:
            transaction.on_commit(lambda: decision_mail_send(review=review))
    return review


def decision_mail_send(*, review: Review) -> bool:
    """Tell the creator of a version what the moderator decided, by e-mail (Django's
    mail framework). Sent after the decision commits; a mail server that fails is logged
    and never undoes the decision. Returns whether a mail went out."""
    version = review.version
    creator = version.created_by
    if not creator.email:
        return False
    verb = "approved" if review.state == Review.APPROVED else "rejected"
    who = review.decided_by.get_username() if review.decided_by else "a moderator"
    lines = [f"{who} {verb} {version.asset.original_name} v{version.number}."]
    if review.comment:
        lines.append(f"\nComment: {review.comment}")
    lines.append("\nYour Photos page lists your recent decisions.")
    try:
        send_mail(f"[repairapp] v{version.number} of {version.asset.original_name} was {verb}",
                  "\n".join(lines), None, [creator.email])
    except OSError as exc:  # SMTP and socket errors
        log.warning("decision mail to %s failed: %s", creator.email, exc)
        return False
    return True


# ---------------------------------------------------------------- archive and purge


class ArchiveError(ValueError):
    """The photo cannot be archived or purged now; the message says why."""


def asset_archive(*, user, asset: Asset) -> Asset:
    """Hide a photo from every list; its files stay (until a purge after the retention
    period). A conditional update, so archiving twice records one event."""
    now = timezone.now()
    with transaction.atomic():
        won = Asset.objects.filter(pk=asset.pk, archived_at=None).update(archived_at=now, archived_by=user)
        if not won:
            raise ArchiveError(f"{asset.original_name} is already archived.")
        Event.objects.create(kind=Event.ASSET_ARCHIVED, actor=user, asset=asset,
                             data={"name": asset.original_name, "retention_days": settings.ARCHIVE_RETENTION_DAYS})
    asset.refresh_from_db()
    return asset


def purge_due(now=None):
    """Archived photos whose retention period is over and whose files are still there."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ARCHIVE_RETENTION_DAYS)
    return Asset.objects.filter(archived_at__lte=cutoff, purged_at=None)


def asset_purge(*, asset: Asset, user=None) -> int:
    """Remove an archived photo's files (original, versions, thumbnails, diffs, masks,
    display renditions) once the retention period is over. The rows and every history
    row stay: the timeline still says what happened. Returns how many files went."""
    if asset.archived_at is None:
        raise ArchiveError(f"{asset.original_name} is not archived; archive it before purging.")
    if not purge_due().filter(pk=asset.pk).exists():
        if asset.purged_at:
            raise ArchiveError(f"{asset.original_name} was already purged.")
        raise ArchiveError(f"{asset.original_name} was archived less than {settings.ARCHIVE_RETENTION_DAYS} days ago; "
                           "its files are kept until then.")
    names = [asset.original_file.name]
    for version in asset.versions.all():
        names += [version.file.name, version.thumbnail.name, version.diff_file.name]
        names += version.stored_renditions()
    names += [job.mask_file.name for job in asset.jobs.all()]
    names = [n for n in names if n]
    with transaction.atomic():
        won = Asset.objects.filter(pk=asset.pk, purged_at=None).update(purged_at=timezone.now())
        if not won:
            raise ArchiveError(f"{asset.original_name} was already purged.")
        removed = sum(1 for n in names if default_storage.exists(n))
        Event.objects.create(kind=Event.ASSET_PURGED, actor=user, asset=asset,
                             data={"name": asset.original_name, "files_removed": removed})
        # Files go only once the purge is recorded: a rollback leaves them all in place.
        transaction.on_commit(lambda: delete_quietly(names))
    asset.refresh_from_db()
    return removed


# ---------------------------------------------------------------- accounts (admins)


class AccountError(ValueError):
    """An account change that cannot be made; the message says why."""


def user_create(*, actor, username: str, email: str = "", role: str, password: str) -> object:
    """A new login with a role, recorded in the history (who made it, with which role)."""
    from django.contrib.auth import get_user_model

    from . import roles

    username = username.strip()
    if role not in roles.ROLES:
        raise AccountError(f"Unknown role {role!r}; roles: {', '.join(roles.ROLES)}.")
    User = get_user_model()
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise AccountError(f"The username {username!r} is taken.")
        user = User.objects.create_user(username, email=email.strip(), password=password)
        Event.objects.create(kind=Event.USER_CREATED, actor=actor, subject=user, data={"role": role})
        roles.set_role(user, role, actor=actor)
    return user


def user_set_active(*, actor, user, active: bool) -> bool:
    """Deactivate (no login, no API token works) or reactivate an account. Returns whether
    anything changed; only a change is recorded."""
    if not active and user.pk == actor.pk:
        raise AccountError("You cannot deactivate your own account.")
    from django.contrib.auth import get_user_model

    with transaction.atomic():
        won = get_user_model().objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
        if won:
            Event.objects.create(kind=Event.USER_REACTIVATED if active else Event.USER_DEACTIVATED,
                                 actor=actor, subject=user)
    user.refresh_from_db()
    return bool(won)
