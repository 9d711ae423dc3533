import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from repairapp.storage import delete_quietly, save_bytes


def test_save_writes_the_whole_file_under_a_random_name_and_leaves_no_temp_file(media_root):
    name = save_bytes("versions", "png", b"x" * 100_000)
    assert name.startswith("versions/") and name.endswith(".png")
    assert default_storage.open(name).read() == b"x" * 100_000
    leftovers = [f for _, _, files in os.walk(media_root) for f in files if f.startswith(".tmp-")]
    assert leftovers == []


def test_save_never_overwrites_an_existing_file(media_root):
    default_storage.save("fixed/name.png", ContentFile(b"first"))
    with pytest.raises(FileExistsError):
        default_storage._save("fixed/name.png", ContentFile(b"second"))
    assert default_storage.open("fixed/name.png").read() == b"first"


def test_save_records_what_it_wrote_so_a_failure_can_remove_it(media_root):
    written = []
    name = save_bytes("masks", "png", b"m", written)
    assert written == [name]
    delete_quietly(written + ["masks/never-existed.png"])
    assert not default_storage.exists(name)
