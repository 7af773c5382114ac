"""Request and response shapes of the API; the OpenAPI document is generated from them."""

import marshmallow as ma


class TokenRequest(ma.Schema):
    email = ma.fields.Email(required=True, validate=ma.validate.Length(max=255), metadata={"example": "admin@demo.gov.vn"})
    password = ma.fields.String(required=True, load_only=True, validate=ma.validate.Length(max=200))
    label = ma.fields.String(load_default="", validate=ma.validate.Length(max=100),
                             metadata={"description": "What the token is for, shown in the lists of tokens",
                                       "example": "hotline integration"})


class TokenResponse(ma.Schema):
    id = ma.fields.Integer(required=True, metadata={"description": "Its number, to revoke it"})
    token = ma.fields.String(required=True, metadata={"description": "Send it as `Authorization: Bearer TOKEN`"})
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_at = ma.fields.DateTime(required=True)


class TokenOut(ma.Schema):
    """A token as its lists show it: never the token itself, which is shown once when issued."""

    id = ma.fields.Integer(required=True)
    user = ma.fields.Function(lambda token: token.user.email, required=True, metadata={"type": "string"})
    label = ma.fields.String(required=True)
    created_at = ma.fields.DateTime(required=True)
    expires_at = ma.fields.DateTime(required=True)
    revoked_at = ma.fields.DateTime(allow_none=True, required=True)
    valid = ma.fields.Function(lambda token: token.is_valid, required=True, metadata={"type": "boolean"})


class TokenList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(TokenOut), required=True)


class TokenQuery(ma.Schema):
    user = ma.fields.Email(validate=ma.validate.Length(max=255), metadata={"description": "Administrators only: the tokens of this account"})
    all = ma.fields.Boolean(load_default=False, metadata={"description": "Also the revoked and expired ones"})


class UnitQuery(ma.Schema):
    on = ma.fields.Date(metadata={"description": "Only units that exist on this day (ISO date)"})


class UnitOut(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "QN.SNNMT"})
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    parent = ma.fields.Function(lambda unit: unit.parent.code if unit.parent else None, allow_none=True,
                                metadata={"type": "string", "nullable": True, "description": "Code of the parent unit"})
    valid_from = ma.fields.Date(required=True)
    valid_until = ma.fields.Date(allow_none=True)
    successor = ma.fields.Function(lambda unit: unit.successor.code if unit.successor else None, allow_none=True,
                                   metadata={"type": "string", "nullable": True,
                                             "description": "Code of the unit that took over after a merge"})


class UnitList(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(UnitOut), required=True)


class ProcedureQuery(ma.Schema):
    unit = ma.fields.String(validate=ma.validate.Length(max=64), metadata={"description": "Only the procedures of this unit (its code)"})
    q = ma.fields.String(validate=ma.validate.Length(max=200), metadata={"description": "Words of the name, code or field"})
    after = ma.fields.String(validate=ma.validate.Length(max=500), metadata={"description": "The `next` value of the previous page"})
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(min=1, max=200))


class ProcedureOut(ma.Schema):
    code = ma.fields.String(required=True, metadata={"example": "1.001193.000.00.00.H46"})
    name = ma.fields.String(required=True)
    field = ma.fields.String(required=True)
    unit = ma.fields.Function(lambda procedure: procedure.unit.code, metadata={"type": "string"})
    processing_days = ma.fields.Integer(required=True, metadata={"description": "Legal processing time in working days"})
    fee = ma.fields.Integer(allow_none=True, metadata={"description": "In đồng; null when there is no fixed fee"})
    online_level = ma.fields.Integer(allow_none=True)
    postal_return = ma.fields.Boolean(required=True)


class ProcedurePage(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ProcedureOut), required=True)
    next = ma.fields.String(allow_none=True, metadata={"description": "Pass as `after` to get the next page; null on the last"})


class UnitIn(ma.Schema):
    code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=32))
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=255))
    kind = ma.fields.String(load_default="other", validate=ma.validate.Length(max=32))
    parent = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=32), metadata={"description": "Code of the parent unit"})
    valid_from = ma.fields.Date(load_default=None, allow_none=True)
    valid_until = ma.fields.Date(load_default=None, allow_none=True)
