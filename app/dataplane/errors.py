"""The data plane's errors as plain values: status, upstream error_code, message, details."""

from __future__ import annotations

CONFIG_PREFIX = "invalid controller configuration: "


class DataplaneError(Exception):
    """An upstream error answer, independent of any web framework (phase B renders it)."""

    def __init__(self, status: int, error_code: str, message: str, details: object = None):
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.details = details

    def body(self) -> dict:
        """Return upstream's error envelope."""
        return {"message": self.message, "error_code": self.error_code, "details": self.details}

    def __repr__(self) -> str:
        return f"DataplaneError({self.status}, {self.error_code!r}, {self.message!r})"


def unknown_input_format(table: str, format_name: str) -> DataplaneError:
    """400: `format` is neither json nor csv."""
    endpoint = f"{table}.api-ingress-{format_name}"
    message = (
        f"{CONFIG_PREFIX}Input endpoint '{endpoint}' specifies unknown input format '{format_name}'"
    )
    details = {"config_error": {"endpoint_name": endpoint, "format_name": format_name}}
    return DataplaneError(400, "ConfigError.UnknownInputFormat", message, details)


def parser_config_parse_error(
    table: str, format_name: str, error: str, raw_query: str
) -> DataplaneError:
    """400: a JSON parser setting in the query string has a bad value."""
    endpoint = f"{table}.api-ingress-{format_name}"
    message = (
        f"{CONFIG_PREFIX}Error parsing format configuration for input endpoint '{endpoint}': "
        f"{error}\nInvalid configuration: {raw_query}"
    )
    details = {"config_error": {"endpoint_name": endpoint, "error": error, "config": raw_query}}
    return DataplaneError(400, "ConfigError.ParserConfigParseError", message, details)


def input_format_not_supported(endpoint: str, error: str) -> DataplaneError:
    """400: an update format the JSON input parser cannot ingest."""
    message = f"{CONFIG_PREFIX}Format not supported on input endpoint '{endpoint}': {error}"
    details = {"config_error": {"endpoint_name": endpoint, "error": error}}
    return DataplaneError(400, "ConfigError.InputFormatNotSupported", message, details)


def unknown_input_stream(endpoint: str, path_name: str) -> DataplaneError:
    """404: the ingress path names no table."""
    message = f"{CONFIG_PREFIX}Input endpoint '{endpoint}' specifies unknown table '{path_name}'"
    details = {"config_error": {"endpoint_name": endpoint, "stream_name": path_name}}
    return DataplaneError(404, "ConfigError.UnknownInputStream", message, details)


def invalid_query_parameter(error: str) -> DataplaneError:
    """400: a query parameter the web framework cannot deserialize (README decision 1)."""
    return DataplaneError(400, "InvalidQueryParameter", f"Query deserialize error: {error}", {})


def adhoc_query_error(text: str) -> DataplaneError:
    """400 AdHocQueryError wrapping an engine error text (spec §4.2)."""
    message = f"Error during query processing: {text}."
    return DataplaneError(400, "AdHocQueryError", message, {"error": text})
