package bits.engine.rest;

import java.io.IOException;

import javax.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import bits.api.ErrorCodes;

/** The API's JSON: one mapper for every servlet, and the shape of its answers and errors. */
final class Json {
	static final String TYPE = "application/json;charset=utf-8";

	/** Unknown fields are refused, not ignored: a misspelt property must not look accepted (SPEC S5). */
	static final ObjectMapper MAPPER = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
			.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
			.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

	private Json() {
	}

	/** Answers with the error's status and the BITS code, the request as context, and the description. */
	static void fail(HttpServletResponse response, ApiException e, String context) throws IOException {
		if (e.status == 401) {
			response.setHeader("WWW-Authenticate", "Bearer");
		}
		send(response, e.status, new ErrorDto(ErrorCodes.hex(e.code), context, e.getMessage()));
	}

	static void send(HttpServletResponse response, int status, Object body) throws IOException {
		response.setStatus(status);
		response.setContentType(TYPE);
		MAPPER.writeValue(response.getOutputStream(), body);
	}
}
