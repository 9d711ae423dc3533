"""The review flow: submit, queue, decide (one decision even when two race), resubmit."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from repairapp import services
from repairapp.models import Event, Review, Version
from tests.conftest import mask_png

pytestmark = pytest.mark.django_db


def test_submit_puts_the_version_in_the_queue(client, alice, moderator, repaired):
    client.force_login(alice)
    response = client.post(reverse("version-submit", args=[repaired.pk]), {"note": "logo removed"})
    assert response.status_code == 302
    review = Review.objects.get(version=repaired)
    assert (review.state, review.note, review.submitted_by) == ("pending", "logo removed", alice)
    assert Event.objects.filter(kind="version.submitted", version=repaired, actor=alice).exists()
    client.force_login(moderator)
    html = client.get(reverse("review-queue")).content.decode()
    assert f'data-version-id="{repaired.pk}"' in html and "shoe.jpg" in html


def test_submitting_twice_or_the_original_is_refused_with_a_message(client, alice, repaired):
    client.force_login(alice)
    client.post(reverse("version-submit", args=[repaired.pk]))
    response = client.post(reverse("version-submit", args=[repaired.pk]), follow=True)
    assert "already pending" in response.content.decode()
    response = client.post(reverse("version-submit", args=[repaired.parent_id]), follow=True)
    assert "original upload is not a repair" in response.content.decode()
    assert Event.objects.filter(kind="version.submitted").count() == 1


def test_a_rejection_needs_a_comment(client, alice, moderator, repaired):
    services.version_submit(user=alice, version=repaired)
    client.force_login(moderator)
    response = client.post(reverse("review-decide", args=[repaired.pk]), {"decision": "reject", "comment": "  "})
    assert response.status_code == 400 and "needs a comment" in response.content.decode()
    assert Review.objects.get(version=repaired).state == "pending"


def test_reject_edit_resubmit_approve_publishes_the_new_version(
    client, alice, moderator, repaired, run_worker, django_capture_on_commit_callbacks
):
    services.version_submit(user=alice, version=repaired)
    client.force_login(moderator)
    response = client.post(reverse("review-decide", args=[repaired.pk]),
                           {"decision": "reject", "comment": "edge of the shoe is smeared"})
    assert response.status_code == 302
    review = Review.objects.get(version=repaired)
    assert (review.state, review.comment, review.decided_by) == ("rejected", "edge of the shoe is smeared", moderator)

    # The creator sees why, edits the rejected version further and submits the new one.
    client.force_login(alice)
    editor = client.get(reverse("editor", args=[repaired.asset_id]) + "?version=2").content.decode()
    assert "edge of the shoe is smeared" in editor
    with django_capture_on_commit_callbacks(execute=True):
        job = services.repair_create(user=alice, version=repaired,
                                             mask_data=mask_png(512, 512, (300, 300, 340, 330)), engine="telea")
    run_worker()
    v3 = Version.objects.get(made_by_job=job)
    assert (v3.number, v3.parent) == (3, repaired)
    services.version_submit(user=alice, version=v3)

    client.force_login(moderator)
    response = client.post(reverse("review-decide", args=[v3.pk]), {"decision": "approve", "comment": ""})
    assert response.status_code == 302
    v3.asset.refresh_from_db()
    assert v3.asset.published_version == v3
    assert list(Event.objects.filter(kind__startswith="version.").order_by("at").values_list("kind", "version__number")) == [
        ("version.created", 2), ("version.submitted", 2), ("version.rejected", 2),
        ("version.created", 3), ("version.submitted", 3), ("version.approved", 3),
    ]


def test_deciding_an_already_decided_version_is_409_naming_the_decision(client, alice, moderator, django_user_model, repaired):
    from repairapp.roles import set_role

    other = django_user_model.objects.create_user("mo2")
    set_role(other, "moderator")
    services.version_submit(user=alice, version=repaired)
    services.review_decide(user=moderator, version=repaired, decision="approve")
    client.force_login(other)
    response = client.post(reverse("review-decide", args=[repaired.pk]), {"decision": "reject", "comment": "no"})
    assert response.status_code == 409
    assert "already approved by mo" in response.content.decode()
    assert Review.objects.get(version=repaired).state == "approved"


def test_flagged_versions_come_first_then_oldest_first(client, alice, moderator, repaired, run_worker,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.repair_create(user=alice, version=repaired,
                                             mask_data=mask_png(512, 512, (10, 10, 30, 30)), engine="telea")
    run_worker()
    newer = Version.objects.get(made_by_job=job)
    services.version_submit(user=alice, version=repaired)
    services.version_submit(user=alice, version=newer)
    Review.objects.update(flagged=False)  # both start unflagged, whatever their fills' checks said
    client.force_login(moderator)
    html = client.get(reverse("review-queue")).content.decode()
    assert html.index(f'data-version-id="{repaired.pk}"') < html.index(f'data-version-id="{newer.pk}"')
    Review.objects.filter(version=newer).update(flagged=True)  # e.g. a visible seam
    html = client.get(reverse("review-queue")).content.decode()
    assert html.index(f'data-version-id="{newer.pk}"') < html.index(f'data-version-id="{repaired.pk}"')


def test_queue_filters_by_state_and_submitter(client, alice, moderator, repaired):
    services.version_submit(user=alice, version=repaired)
    client.force_login(moderator)
    assert f'data-version-id="{repaired.pk}"' in client.get(reverse("review-queue") + "?submitter=alice").content.decode()
    assert f'data-version-id="{repaired.pk}"' not in client.get(reverse("review-queue") + "?submitter=bob").content.decode()
    assert f'data-version-id="{repaired.pk}"' not in client.get(reverse("review-queue") + "?state=approved").content.decode()
    services.review_decide(user=moderator, version=repaired, decision="approve")
    assert f'data-version-id="{repaired.pk}"' in client.get(reverse("review-queue") + "?state=approved").content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_moderators_deciding_at_the_same_moment_record_exactly_one_decision(django_user_model, media_root):
    from repairapp.models import Asset
    from repairapp.roles import set_role
    from tests.conftest import photo_bytes

    owner = django_user_model.objects.create_user("own")
    moderators = [django_user_model.objects.create_user(f"m{i}") for i in range(2)]
    for m in moderators:
        set_role(m, "moderator")
    asset = services.asset_create(owner=owner, data=photo_bytes(0), file_name="a.jpg")
    # A version as the worker makes it, without running an engine (this test is about the race).
    v1 = asset.latest_version()
    v2 = Version.objects.create(asset=asset, number=2, parent=v1, file=v1.file.name, thumbnail=v1.thumbnail.name,
                                width=v1.width, height=v1.height, size=v1.size, checksum=v1.checksum, created_by=owner)
    Review.objects.create(version=v2)
    services.version_submit(user=owner, version=v2)

    barrier = threading.Barrier(2)
    outcomes = []

    def decide(user, decision):
        try:
            barrier.wait()
            services.review_decide(user=user, version=v2, decision=decision, comment="x")
            outcomes.append("won")
        except services.ReviewConflict as exc:
            outcomes.append(str(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(moderators[0], "approve")),
               threading.Thread(target=decide, args=(moderators[1], "reject"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o == "won" for o in outcomes) == [False, True]
    assert any("was already" in o for o in outcomes)
    assert Event.objects.filter(kind__in=["version.approved", "version.rejected"]).count() == 1
    review = Review.objects.get(version=v2)
    published = Asset.objects.get(pk=asset.pk).published_version
    assert (review.state == "approved") == (published == v2)


def _smeared_version(alice, run_worker, capture) -> Version:
    """A wide hole in a textured photo filled by diffusion: the classic smear."""
    from tests.conftest import photo_bytes

    asset = services.asset_create(owner=alice, data=photo_bytes(5), file_name="forest.jpg")
    with capture(execute=True):
        job = services.repair_create(user=alice, version=asset.latest_version(),
                                             mask_data=mask_png(512, 512, (150, 350, 350, 480)), engine="telea")
    run_worker()
    return Version.objects.get(made_by_job=job)


def test_a_smeared_fill_is_flagged_for_the_moderator(alice, run_worker, django_capture_on_commit_callbacks):
    from repairapp import diff

    version = _smeared_version(alice, run_worker, django_capture_on_commit_callbacks)
    assert version.texture_ratio is not None and version.texture_ratio < diff.TEXTURE_FLAG
    assert [flag["code"] for flag in version.fill_flags] == ["smear"]
    assert services.version_submit(user=alice, version=version).flagged


def test_the_review_page_says_why_a_fill_is_flagged_and_both_outside_figures(
    client, alice, moderator, run_worker, django_capture_on_commit_callbacks
):
    version = _smeared_version(alice, run_worker, django_capture_on_commit_callbacks)
    services.version_submit(user=alice, version=version)
    client.force_login(moderator)
    html = client.get(reverse("review-page", args=[version.pk])).content.decode()
    assert "Why this fill is flagged" in html
    assert f'<li data-flag="smear">{version.fill_flags[0]["reason"]}</li>' in html
    assert "Smear: the fill has" in html
    assert version.changed_outside_painted > 0
    assert f"{version.changed_outside_painted} px" in html and "Changed outside painted mask" in html
    assert "Changed outside grown mask" in html and "All within 2 px of the painted mask" in html
    queue = client.get(reverse("review-queue")).content.decode()
    assert f'title="{version.fill_flags[0]["reason"]}">smear' in queue


def test_a_clean_fill_shows_no_flag_box(client, alice, moderator, run_worker, django_capture_on_commit_callbacks):
    from tests.conftest import photo_bytes

    # A small hole in a sky, filled by patch search: as soft and grainy as around it.
    asset = services.asset_create(owner=alice, data=photo_bytes(0), file_name="sky.jpg")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.repair_create(user=alice, version=asset.latest_version(),
                                             mask_data=mask_png(512, 512, (200, 20, 260, 60)), engine="patch")
    run_worker()
    version = Version.objects.get(made_by_job=job)
    assert version.fill_flags == []
    assert not services.version_submit(user=alice, version=version).flagged
    client.force_login(moderator)
    html = client.get(reverse("review-page", args=[version.pk])).content.decode()
    assert "Why this fill is flagged" not in html and "Changed outside painted mask" in html


def test_a_fill_that_changed_nothing_says_so_beside_the_other_flags(client, alice, moderator, repaired):
    # As the worker records a fill that put back exactly what was there.
    Version.objects.filter(pk=repaired.pk).update(changed_inside_mask=0, changed_fraction=0, fill_flags=[])
    repaired.refresh_from_db()
    assert services.version_submit(user=alice, version=repaired).flagged
    client.force_login(moderator)
    html = client.get(reverse("review-page", args=[repaired.pk])).content.decode()
    assert "Why this fill is flagged" in html
    assert (f'<li data-flag="unchanged">Changed nothing: none of the {repaired.mask_pixels:,} masked pixels '
            "differs from the version it was made from") in html
    queue = client.get(reverse("review-queue")).content.decode()
    assert 'title="Changed nothing: none of the' in queue and ">unchanged ⚠</span>" in queue
