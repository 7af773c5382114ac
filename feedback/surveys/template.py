"""The ready SIPAS-style template: the five criteria of the national satisfaction index, a few
questions under each in our own wording (Vietnamese and English), an overall question and an
optional comment. ``flask surveys template`` and the builder's button make a survey from it."""

from __future__ import annotations

from dataclasses import dataclass, field

CODE = "sipas"
TITLE = ("Khảo sát sự hài lòng về sự phục vụ hành chính", "Survey of satisfaction with administrative services")
INTRO = (
    "Phiếu khảo sát không ghi tên, không hỏi số điện thoại. Ý kiến của ông/bà giúp cơ quan phục vụ tốt hơn; "
    "kết quả được công khai hằng tháng. Trả lời mất khoảng hai phút.",
    "This survey is anonymous: it asks for no name and no phone number. Your answers help the unit serve you "
    "better; the results are published every month. It takes about two minutes.",
)


@dataclass(frozen=True)
class Q:
    name: str
    vi: str
    en: str
    type: str = "scale5"
    required: bool = True
    hint_vi: str = ""
    hint_en: str = ""
    # (name of an earlier question, value) pairs that must all hold for the question to show.
    show_if: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class S:
    criterion: str
    vi: str
    en: str
    questions: tuple[Q, ...] = field(default_factory=tuple)


SECTIONS = (
    S("access", "Tiếp cận dịch vụ", "Access to the service", (
        Q("access_place", "Nơi tiếp nhận và trả kết quả dễ tìm, có đủ chỗ ngồi và tiện nghi cần thiết.",
          "The desk where you filed and collected the result was easy to find, with seats and the facilities "
          "you needed."),
        Q("access_information", "Thông tin về thủ tục (bảng niêm yết, trang web, đường dây nóng) dễ tìm, dễ hiểu.",
          "Information about the procedure (notice board, website, hotline) was easy to find and to understand."),
        Q("access_online", "Nộp hồ sơ trực tuyến hoặc đặt lịch hẹn thuận tiện.",
          "Filing online or booking an appointment was convenient.", required=False,
          hint_vi="Bỏ qua nếu ông/bà không dùng cách này.", hint_en="Skip it if you did not use them."),
    )),
    S("procedure", "Thủ tục hành chính", "The administrative procedure", (
        Q("procedure_documents", "Giấy tờ phải nộp đúng như đã công khai, không phải nộp thêm.",
          "The documents asked for were exactly those published; nothing extra was required."),
        Q("procedure_fees", "Phí, lệ phí đúng như đã công khai.", "Fees and charges were as published."),
        Q("procedure_time", "Thời gian giải quyết đúng như giấy hẹn.",
          "The dossier was settled by the date on the appointment slip."),
        Q("procedure_simple", "Thủ tục đơn giản, dễ thực hiện.", "The procedure was simple and easy to follow."),
    )),
    S("civil_servant", "Công chức trực tiếp giải quyết", "The civil servant who handled it", (
        Q("servant_courtesy", "Công chức lịch sự, tôn trọng ông/bà.", "The civil servant was polite and respectful."),
        Q("servant_guidance", "Công chức hướng dẫn đầy đủ, dễ hiểu, một lần là đủ.",
          "The civil servant explained what to do fully and clearly, in one go."),
        Q("servant_competence", "Công chức thạo việc, giải quyết nhanh chóng.",
          "The civil servant knew the work and dealt with it promptly."),
        Q("servant_integrity", "Công chức không gây phiền hà, không đòi hỏi thêm tiền hay quà.",
          "The civil servant caused no trouble and asked for no extra money or gifts."),
    )),
    S("result", "Kết quả giải quyết", "The result", (
        Q("result_correct", "Kết quả đúng quy định, thông tin chính xác.",
          "The result followed the rules and its information was correct."),
        Q("result_on_time", "Ông/bà nhận kết quả đúng hẹn.", "You received the result on the promised day."),
        Q("result_useful", "Kết quả đáp ứng nhu cầu của ông/bà.", "The result met your needs."),
    )),
    S("feedback_handling", "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị", "The handling of feedback", (
        Q("feedback_channels", "Có đủ cách để góp ý, phản ánh, kiến nghị (hòm thư, đường dây nóng, trực tuyến).",
          "There were enough ways to give feedback (mailbox, hotline, online)."),
        Q("feedback_sent", "Ông/bà có gửi phản ánh, kiến nghị về dịch vụ này không?",
          "Did you send a complaint or a petition about this service?", type="yes_no", required=False),
        Q("feedback_received", "Phản ánh, kiến nghị của ông/bà được tiếp nhận và xử lý nghiêm túc.",
          "Your complaint or petition was received and dealt with seriously.", show_if=(("feedback_sent", 1),)),
        Q("feedback_informed", "Ông/bà được thông báo kết quả xử lý kịp thời.",
          "You were told the outcome in good time.", show_if=(("feedback_sent", 1),)),
    )),
    S("overall", "Đánh giá chung", "Overall", (
        Q("overall", "Nhìn chung, ông/bà hài lòng với sự phục vụ của cơ quan ở mức nào?",
          "Overall, how satisfied are you with the service of this unit?"),
        Q("comment", "Ông/bà có góp ý gì để cơ quan phục vụ tốt hơn?", "What could the unit do better?",
          type="long_text", required=False, hint_vi="Xin đừng ghi họ tên hay số điện thoại.",
          hint_en="Please write no name or phone number."),
    )),
)
