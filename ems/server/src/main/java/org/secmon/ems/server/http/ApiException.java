package org.secmon.ems.server.http;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.secmon.ems.api.schema.FieldError;

/**
 * An API error, answered as JSON {@code {"error": CODE, "message": ..., "field": ..., "errors": [...],
 * "dependents": [...]}} with its HTTP status.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;
    private final List<FieldError> errors;
    private final JsonNode details;
    private final String detailsName;
    private long retryAfterSeconds;

    public ApiException(int status, String code, String message) {
        this(status, code, message, null, List.of(), null, null);
    }

    private ApiException(int status, String code, String message, String field, List<FieldError> errors,
            String detailsName, JsonNode details) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.field = field;
        this.errors = errors;
        this.detailsName = detailsName;
        this.details = details;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, "not_found", message);
    }

    public static ApiException conflict(String code, String message, String field) {
        return new ApiException(409, code, message, field, List.of(), null, null);
    }

    /** 409 naming what still references the entity. */
    public static ApiException inUse(String message, JsonNode dependents) {
        return new ApiException(409, "in_use", message, null, List.of(), "dependents", dependents);
    }

    public static ApiException preconditionFailed(String message) {
        return new ApiException(412, "precondition_failed", message);
    }

    /** 422 with one entry per invalid field; the first also fills "field" and "message". */
    public static ApiException invalid(List<FieldError> errors) {
        FieldError first = errors.get(0);
        String msg = first.field() + " " + first.message() + (errors.size() > 1 ? " (and " + (errors.size() - 1)
                + " more)" : "");
        return new ApiException(422, "invalid", msg, first.field(), List.copyOf(errors), null, null);
    }

    public static ApiException invalid(String field, String message) {
        return invalid(List.of(new FieldError(field, message)));
    }

    /** 429 with {@code Retry-After} (seconds, at least 1). */
    public static ApiException tooManyRequests(String message, long retryAfterSeconds) {
        ApiException e = new ApiException(429, "too_many_requests", message);
        e.retryAfterSeconds = Math.max(1, retryAfterSeconds);
        return e;
    }

    /** Seconds to wait before trying again (429), else 0. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public static ApiException unavailable(String message) {
        return new ApiException(503, "unavailable", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public String detailsName() {
        return detailsName;
    }

    public JsonNode details() {
        return details;
    }
}
