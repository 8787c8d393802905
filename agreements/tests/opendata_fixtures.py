"""A draft agreement and a party known only from it: what the open-data doors must never show."""

import pytest

from agreements.models import Party
from agreements.tests.factories import make_agreement, make_forum, make_party

DRAFT_TITLE = "Черновик о заводе Тайноборск"


@pytest.fixture
def drafts(seeded):
    party = make_party(name="Секретнейшая компания", slug="sekretneyshaya")
    forum = make_forum(title="Форум Невидимок", slug="forum-nevidimok")
    agreement = make_agreement(
        title=DRAFT_TITLE,
        subject="Кварцеворудный комбинат",
        slug="chernovik-tainoborsk",
        parties=[party, Party.objects.get(slug="eurasian-development-bank")],
        regions=["KZ-31"],
        sectors=["20"],
        published=False,
        forum=forum,
    )
    return {"party": party, "forum": forum, "agreement": agreement}
