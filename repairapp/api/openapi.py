"""The OpenAPI 3 description of /api/v1/, written by hand next to the views it describes.

tests/test_api_openapi.py runs schemathesis against this document through the real
WSGI app, so a response that does not match it fails the suite.
"""

from __future__ import annotations

from django.conf import settings

from .. import engines, imaging
from ..engines import pipeline


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _png(description: str) -> dict:
    return {"description": description, "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}}


def _jpeg(description: str) -> dict:
    return {"description": description, "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}


NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUMBER = {"type": ["number", "null"]}
NULLABLE_URL = {"type": ["string", "null"], "format": "uri"}

AUTH_ERRORS = {
    "401": _error("No token, a malformed Authorization header, or an unknown or revoked token."),
    "429": {**_error("Too many requests for this token; wait `Retry-After` seconds."),
            "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "description": "The same key with the same body returns the first answer (and makes no second job); "
                   "with a different body it is a 409. Only accepted (2xx) answers are remembered.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


def _id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}


def document() -> dict:
    engine_names = engines.names()
    max_mb = settings.MAX_UPLOAD_BYTES // (1024 * 1024)
    photo_field = {"type": "string", "format": "binary", "description": "JPEG, PNG or WebP; the content decides"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "repairapp API",
            "version": "1",
            "description": (
                "Repair photos by mask from scripts. Authenticate with `Authorization: Bearer <token>` "
                "(make a token on /settings/tokens or with `manage.py apitoken USER`). A token sees and does "
                "what its user may. Errors are `{\"error\": message, \"code\": code}`.\n\n"
                "If the queue (Redis) is down when a repair is posted, the repair is still stored: the answer "
                "is 202 with `\"queue\": \"unavailable\"` and a `note`, and the job starts once the queue is "
                "back. The rate limit fails open while Redis is down."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/v1/repairs": {
                "post": {
                    "summary": "Queue a repair of a new photo (`image`) or of the newest version of a photo (`asset`)",
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {
                        "required": True,
                        "content": {"multipart/form-data": {"schema": {
                            "type": "object",
                            "properties": {
                                "image": photo_field,
                                "file": {**photo_field, "description": "an alias of `image`"},
                                "asset": {"type": "integer", "minimum": 1,
                                          "description": "instead of `image`: repair the newest version of this photo"},
                                "mask": {"type": "string", "format": "binary",
                                         "description": "PNG the size of the upright photo, white = remove; "
                                                        "not with remove_text"},
                                "mode": {"type": "string", "enum": ["inpaint", "remove_text"], "default": "inpaint",
                                         "description": "inpaint fills the `mask` you send; remove_text finds "
                                                        "overlaid text itself and takes no mask. Any other value "
                                                        "is a 400"},
                                "engine": {"type": "string", "enum": engine_names, "default": engines.DEFAULT_ENGINE},
                                "dilate": {"type": "integer", "minimum": 0, "maximum": pipeline.MAX_DILATE,
                                           "default": pipeline.DEFAULT_DILATE},
                                "feather": {"type": "integer", "minimum": 0, "maximum": pipeline.MAX_FEATHER,
                                            "default": pipeline.DEFAULT_FEATHER},
                                "found_text": {"type": "string", "description":
                                               "a JSON array of the words of the text lines your `mask` covers "
                                               "(e.g. [\"SALE 50%\"]): says the mask came from a text finder, so "
                                               "the words go into the job's record and the worker checks that no "
                                               "text remains (a `text` flag otherwise). remove_text records its own"},
                            },
                        }}},
                    },
                    "responses": {
                        "202": _json("Stored and queued (`queue` says whether the queue took it at once)", "JobAccepted"),
                        "400": _error("Bad input, named: no photo, no or empty mask, a mask of another size, "
                                      "an unknown engine (the known ones are listed), no text found"),
                        "403": _error("The photo is visible to you but not yours to edit"),
                        "404": _error("No such photo for this token"),
                        "409": _error("The Idempotency-Key was used with another body"),
                        "413": _error(f"The request is larger than {max_mb} MB, or the photo has too many pixels"),
                        "415": _error("The photo or mask is not a JPEG, PNG or WebP image"),
                        "507": _error("The server's storage is full; nothing was stored"),
                        **AUTH_ERRORS,
                    },
                },
            },
            "/api/v1/repairs/{id}": {
                "get": {
                    "summary": "A repair job's state; `result_url` and `diff_url` once it succeeded",
                    "parameters": [_id_param("id")],
                    "responses": {"200": _json("The job", "Job"), "404": _error("No such job for this token"),
                                  **AUTH_ERRORS},
                },
            },
            "/api/v1/assets": {
                "get": {
                    "summary": "The photos this token's user may see, newest first",
                    "parameters": [{"name": "page", "in": "query", "required": False,
                                    "schema": {"type": "integer", "minimum": 1}},
                                   {"name": "text", "in": "query", "required": False,
                                    "description": "by the upload screen: found (overlaid text found), none "
                                                   "(screened, no text), unscreened (not screened yet)",
                                    "schema": {"type": "string", "enum": ["", "found", "none", "unscreened"]}}],
                    "responses": {"200": _json("One page", "AssetPage"), "400": _error("A bad page number or filter"),
                                  "404": _error("No such page"), **AUTH_ERRORS},
                },
                "post": {
                    "summary": "Upload a photo (no repair)",
                    "parameters": [IDEMPOTENCY_KEY],
                    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                        "type": "object",
                        "properties": {"image": photo_field, "file": {**photo_field, "description": "an alias of `image`"}},
                    }}}},
                    "responses": {
                        "201": _json("Stored as version 1", "AssetDetail"),
                        "400": _error("No photo, or a corrupt one"),
                        "409": _error("The Idempotency-Key was used with another body"),
                        "413": _error(f"Larger than {max_mb} MB or too many pixels"),
                        "415": _error("Not a JPEG, PNG or WebP image"),
                        "507": _error("The server's storage is full; nothing was stored"),
                        **AUTH_ERRORS,
                    },
                },
            },
            "/api/v1/assets/{id}": {
                "get": {
                    "summary": "A photo with its versions and their review states",
                    "parameters": [_id_param("id")],
                    "responses": {"200": _json("The photo", "AssetDetail"), "404": _error("No such photo for this token"),
                                  **AUTH_ERRORS},
                },
            },
            "/api/v1/versions/{id}/image": {
                "get": {
                    "summary": "The version's pixels: lossless PNG, or JPEG or WebP with `format`; an "
                               "attachment named after the upload and the version (`coffee-v2.jpg`)",
                    "parameters": [
                        _id_param("id"),
                        {"name": "format", "in": "query", "required": False,
                         "schema": {"type": "string", "enum": ["png", "jpeg", "jpg", "webp"], "default": "png"}},
                        {"name": "quality", "in": "query", "required": False,
                         "description": "JPEG or WebP quality (not with png)",
                         "schema": {"type": "integer", "minimum": 1, "maximum": 100,
                                    "default": imaging.DEFAULT_EXPORT_QUALITY}},
                    ],
                    "responses": {
                        "200": {"description": "The image", "content": {
                            media: {"schema": {"type": "string", "format": "binary"}}
                            for media in ("image/png", "image/jpeg", "image/webp")}},
                        "400": _error("An unknown format, a quality out of range or with png, or WebP for a "
                                      "photo wider than 16383 px"),
                        "404": _error("No such version for this token"),
                        **AUTH_ERRORS,
                    },
                },
            },
            "/api/v1/versions/{id}/diff": {
                "get": {
                    "summary": "The diff heatmap against the parent version",
                    "parameters": [_id_param("id")],
                    "responses": {"200": _jpeg("The heatmap (JPEG: a picture to look at, not pixels of record)"),
                                  "404": _error("No such version for this token, or version 1 (no diff)"),
                                  **AUTH_ERRORS},
                },
            },
            "/api/v1/versions/{id}/submit": {
                "post": {
                    "summary": "Submit a repaired version for review (the photo's owner), with an optional note",
                    "parameters": [_id_param("id"), IDEMPOTENCY_KEY],
                    "requestBody": {"required": False, "content": {"application/json": {"schema": {
                        "type": "object",
                        "properties": {"note": {"type": "string", "maxLength": 5000,
                                                "description": "for the moderator"}},
                    }}}},
                    "responses": {
                        "200": _json("Submitted: the review is pending", "Review"),
                        "400": _error("Not a JSON object, or a note that is not text or too long"),
                        "403": _error("The photo is visible to you but not yours"),
                        "404": _error("No such version for this token"),
                        "409": _error("Version 1 (the upload), already submitted or decided, or the "
                                      "Idempotency-Key was used with another body"),
                        **AUTH_ERRORS,
                    },
                },
            },
            "/api/v1/versions/{id}/review": {
                "post": {
                    "summary": "Approve or reject a version submitted for review (moderators and admins)",
                    "parameters": [_id_param("id"), IDEMPOTENCY_KEY],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["decision"],
                        "properties": {"decision": {"type": "string", "enum": ["approve", "reject"]},
                                       "comment": {"type": "string", "maxLength": 5000,
                                                   "description": "required to reject"}},
                    }}}},
                    "responses": {
                        "200": _json("Decided", "Review"),
                        "400": _error("Not JSON, a bad decision, or a rejection without a comment"),
                        "403": _error("The token's user is not a moderator or admin, or (four eyes) made or "
                                      "submitted this version"),
                        "413": _error("A body above 64 KB"),
                        "404": _error("No such version for this token"),
                        "409": _error("Already decided, not submitted, or the Idempotency-Key was used with another body"),
                        **AUTH_ERRORS,
                    },
                },
            },
            "/api/v1/openapi.json": {
                "get": {"summary": "This document", "security": [],
                        "responses": {"200": {"description": "OpenAPI 3", "content": {"application/json": {
                            "schema": {"type": "object"}}}}}},
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "code"],
                    "properties": {"error": {"type": "string"}, "code": {"type": "string"}},
                },
                "Job": {
                    "type": "object",
                    "required": ["id", "status", "status_url", "asset", "version", "engine", "error", "attempts",
                                 "queued_at", "started_at", "finished_at", "result_version", "result_url",
                                 "diff_url", "checks", "text_source", "text_words"],
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"type": "string", "enum": ["queued", "running", "succeeded", "failed"]},
                        "status_url": {"type": "string", "format": "uri"},
                        "asset": {"type": "integer"},
                        "version": {"type": "integer", "description": "the version being repaired"},
                        "engine": {"type": "string"},
                        "text_source": {"type": ["string", "null"], "enum": ["find_text", "remove_text", None],
                                        "description": "where the mask came from when it removes text: the "
                                                       "editor's Find text (or `found_text`), or mode=remove_text; "
                                                       "null for a painted mask"},
                        "text_words": {"type": "array", "items": {"type": "string"},
                                       "description": "the words of the text lines the mask covers, as read"},
                        "error": {"type": "string", "description": "why it failed; empty otherwise"},
                        "attempts": {"type": "integer"},
                        "queued_at": {"type": "string", "format": "date-time"},
                        "started_at": NULLABLE_TIME,
                        "finished_at": NULLABLE_TIME,
                        "result_version": NULLABLE_INT,
                        "result_url": {**NULLABLE_URL, "description": "the repaired PNG, once succeeded"},
                        "diff_url": {**NULLABLE_URL, "description": "the diff heatmap, once succeeded"},
                        "checks": {
                            "type": "object",
                            "required": ["changed_outside_mask", "changed_fraction", "seam_score", "flags"],
                            "properties": {"changed_outside_mask": NULLABLE_INT, "changed_fraction": NULLABLE_NUMBER,
                                           "seam_score": NULLABLE_NUMBER,
                                           "flags": {"type": ["array", "null"], "description":
                                                     "what the checks found a moderator would likely reject: "
                                                     "{code, reason}; code `text` (with `words`) when text "
                                                     "remains after a text removal, `unchanged` when the fill "
                                                     "changed none of the masked pixels", "items": {
                                                         "type": "object", "required": ["code", "reason"],
                                                         "properties": {"code": {"type": "string"},
                                                                        "reason": {"type": "string"},
                                                                        "words": {"type": "array",
                                                                                  "items": {"type": "string"}}}}}},
                        },
                    },
                },
                "JobAccepted": {
                    "allOf": [_ref("Job"), {
                        "type": "object", "required": ["queue"],
                        "properties": {"queue": {"type": "string", "enum": ["available", "unavailable"]},
                                       "note": {"type": "string"}},
                    }],
                },
                "Review": {
                    "type": "object",
                    "required": ["state", "submitted_at", "decided_at", "decided_by", "comment", "note", "flagged"],
                    "properties": {
                        "version": {"type": "integer"},
                        "state": {"type": "string", "enum": ["draft", "pending", "approved", "rejected"]},
                        "submitted_at": NULLABLE_TIME, "decided_at": NULLABLE_TIME,
                        "decided_by": NULLABLE_STRING, "comment": {"type": "string"},
                        "note": {"type": "string", "description": "the submitter's note"},
                        "flagged": {"type": "boolean"},
                    },
                },
                "Version": {
                    "type": "object",
                    "required": ["id", "number", "parent", "width", "height", "created_at", "made_by_job",
                                 "image_url", "diff_url", "review"],
                    "properties": {
                        "id": {"type": "integer"}, "number": {"type": "integer"}, "parent": NULLABLE_INT,
                        "width": {"type": "integer"}, "height": {"type": "integer"},
                        "created_at": {"type": "string", "format": "date-time"}, "made_by_job": NULLABLE_INT,
                        "image_url": {"type": "string", "format": "uri"}, "diff_url": NULLABLE_URL,
                        "review": {"oneOf": [_ref("Review"), {"type": "null"}]},
                    },
                },
                "Asset": {
                    "type": "object",
                    "required": ["id", "name", "format", "width", "height", "created_at", "url", "published_version",
                                 "text_found", "text_screened_at"],
                    "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"},
                        "format": {"type": "string", "enum": ["JPEG", "PNG", "WEBP"]},
                        "width": {"type": "integer"}, "height": {"type": "integer"},
                        "created_at": {"type": "string", "format": "date-time"},
                        "url": {"type": "string", "format": "uri"}, "published_version": NULLABLE_INT,
                        "text_found": {"type": ["array", "null"], "items": {"type": "string"},
                                       "description": "the upload screen: the words of each overlaid text line "
                                                      "found (\"?\" for one not read), [] for none, null until "
                                                      "the worker has screened the photo"},
                        "text_screened_at": NULLABLE_TIME,
                    },
                },
                "AssetDetail": {
                    "allOf": [_ref("Asset"), {
                        "type": "object", "required": ["versions"],
                        "properties": {"versions": {"type": "array", "items": _ref("Version")}},
                    }],
                },
                "AssetPage": {
                    "type": "object", "required": ["count", "next", "previous", "results"],
                    "properties": {
                        "count": {"type": "integer"}, "next": NULLABLE_URL, "previous": NULLABLE_URL,
                        "results": {"type": "array", "items": _ref("Asset")},
                    },
                },
            },
        },
    }
