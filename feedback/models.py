"""Every core model in one import, so the metadata sees all tables."""

from feedback.auth.models import ApiToken, User  # noqa: F401
from feedback.procedures.models import Procedure  # noqa: F401
from feedback.units.models import Unit  # noqa: F401
from feedback.items.models import Attachment, Item, ItemContact, ItemEvent, Response, Submission  # noqa: F401
from feedback.workdays import CalendarChange  # noqa: F401
from feedback.throttle import Throttle  # noqa: F401
from feedback.obligations.models import Obligation, ObligationChange, ObligationNotice  # noqa: F401
from feedback.surveys.models import Survey, SurveyAnswer, SurveyCondition, SurveyInvitation, SurveyOption, SurveyQuestion, \
    SurveyResponse, SurveySection, SurveyVersion  # noqa: F401
from feedback.numbering import DocumentCounter, OutgoingDocument  # noqa: F401
from feedback.versions import CacheVersion  # noqa: F401
