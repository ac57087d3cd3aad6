package org.secmon.ems.api.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * An EMS call that did not succeed: the EMS's JSON error ({@code error}, {@code message}, {@code field},
 * {@code errors}, {@code dependents}) with its HTTP status, or status 0 and code {@code unreachable} when no answer
 * came (connection refused, timeout, TLS failure).
 */
public final class EmsException extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;
    private final JsonNode body;

    public EmsException(int status, String code, String message, String field, JsonNode body, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
        this.field = field;
        this.body = body == null ? MissingNode.getInstance() : body;
    }

    static EmsException unreachable(String what, Throwable cause) {
        String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return new EmsException(0, "unreachable", what + ": " + why, null, null, cause);
    }

    /** HTTP status, 0 when the EMS did not answer. */
    public int status() {
        return status;
    }

    /** The EMS's error code ({@code invalid}, {@code exists}, {@code in_use}, {@code stale}...). */
    public String code() {
        return code;
    }

    public String field() {
        return field;
    }

    /** The whole error document (with {@code errors} for 422 and {@code dependents} for 409 in_use). */
    public JsonNode body() {
        return body;
    }

    public boolean unreachable() {
        return status == 0 || status == 503;
    }

    /** One line per problem, as an operator should read it: the message, then each field error and dependent. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(status == 0 ? "EMS unreachable" : "EMS answered " + status + " " + code).append(": ");
        JsonNode errors = body.path("errors");
        if (errors.size() == 1) { // the message repeats the one field error
            JsonNode e = errors.get(0);
            sb.append(e.path("field").asText()).append(": ").append(e.path("message").asText());
            errors = MissingNode.getInstance();
        } else {
            sb.append(getMessage());
        }
        for (JsonNode e : errors) {
            sb.append("\n  ").append(e.path("field").asText()).append(": ").append(e.path("message").asText());
        }
        for (JsonNode d : body.path("dependents")) {
            sb.append("\n  used by ").append(d.path("collection").asText()).append(' ').append(d.path("name").asText())
                    .append(" (").append(d.path("field").asText()).append(')');
        }
        return sb.toString();
    }
}
