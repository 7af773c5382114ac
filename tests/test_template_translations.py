"""Templates' _(): translations kept per language and process, and still the language of the moment
(the request's, or the one ``force_locale`` puts in place for a message or a document)."""

from __future__ import annotations

from flask import render_template_string
from flask_babel import force_locale

TEMPLATE = '{{ _("Status") }}|{{ _("Late by %(n)s working days", n="<3>") }}|{{ _("Fee (đồng)") }}'


def test_the_request_language_and_a_forced_one_alternate_within_one_request(app):
    with app.test_request_context("/?lang=en"):
        english = render_template_string(TEMPLATE)
        assert english == "Status|Late by &lt;3&gt; working days|Fee (đồng)"
        with force_locale("vi"):
            assert render_template_string(TEMPLATE) == "Trạng thái|Trễ &lt;3&gt; ngày làm việc|Phí, lệ phí (đồng)"
        assert render_template_string(TEMPLATE) == english
    with app.test_request_context("/?lang=vi"):
        assert render_template_string(TEMPLATE).startswith("Trạng thái|")


def test_a_percent_sign_is_written_as_in_jinja_newstyle_gettext(app):
    with app.test_request_context("/?lang=en"):
        assert render_template_string('{{ _("100%% sure") }}') == "100% sure"
        # A translation is trusted markup, its variables are escaped (as Jinja's own gettext does).
        assert render_template_string('{{ _("a <b>") }}') == "a <b>"
        assert render_template_string('{{ _("a %(x)s", x="<b>") }}') == "a &lt;b&gt;"
        assert render_template_string('{% autoescape false %}{{ _("a %(x)s", x="<b>") }}{% endautoescape %}') == "a <b>"


def test_lazy_labels_follow_the_language_of_the_moment(app):
    from feedback.items.models import KINDS
    from feedback.templating import translated

    with app.test_request_context("/?lang=en"):
        assert translated(KINDS["petition"]) == "Petition"
        with force_locale("vi"):
            assert translated(KINDS["petition"]) == "Kiến nghị"
        assert translated(KINDS["petition"]) == "Petition"
        assert translated("plain text") == "plain text"
