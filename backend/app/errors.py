"""One error hierarchy: services raise these; HTTP and WebSocket each translate them in one place."""

import math


class AppError(Exception):
    status: int = 400
    code: str = "bad_request"  # the WebSocket `error` frame's code

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class BadRequest(AppError):
    status, code = 400, "bad_request"


class InvalidInput(AppError):
    status, code = 422, "invalid_message"


class NotAuthenticated(AppError):
    status, code = 401, "forbidden"

    def __init__(self, detail: str = "Not authenticated") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(AppError):
    status, code = 403, "forbidden"


class NotFound(AppError):
    status, code = 404, "bad_request"


class Conflict(AppError):
    status, code = 409, "bad_request"


class RateLimited(AppError):
    status, code = 429, "rate_limited"

    def __init__(self, detail: str, retry_after: float) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, math.ceil(retry_after)))})
        self.retry_after = retry_after


class Unavailable(AppError):
    status, code = 503, "unavailable"
