package bits.engine.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import bits.api.ErrorCodes;

/** How responses are read (SPEC J4, J6); the same paths run against nginx in the OSGi tests. */
class ResponsePlanTest {
	private static HttpHeaders headers(String... kv) {
		java.util.Map<String, List<String>> m = new java.util.HashMap<>();
		for (int i = 0; i < kv.length; i += 2) {
			m.put(kv[i], List.of(kv[i + 1]));
		}
		return HttpHeaders.of(Map.copyOf(m), (a, b) -> true);
	}

	@Test
	void missingSizeFailsBackgroundOnly() { // like BITS: BG_E_MISSING_FILE_SIZE
		assertEquals(ErrorCodes.BG_E_MISSING_FILE_SIZE, ResponsePlan.decide(206, headers("Content-Range", "bytes 0-9/*"), 0, null, -1, true).failure().code);
		assertEquals(ResponsePlan.Kind.WRITE, ResponsePlan.decide(200, headers(), 0, null, -1, false).kind());
		assertEquals(-1, ResponsePlan.decide(200, headers(), 0, null, -1, false).total());
	}

	@Test
	void noRangeSupportFailsABackgroundJobButTellsTheSize() { // J4: a handler may then retry it in the foreground
		ResponsePlan plan = ResponsePlan.decide(200, headers("Content-Length", "200000"), 0, null, -1, true);
		assertEquals(ErrorCodes.BG_E_INSUFFICIENT_RANGE_SUPPORT, plan.failure().code);
		assertEquals(200_000, plan.total());
	}

	@Test
	void aRangeFromTheWrongOffsetIsInvalid() {
		assertEquals(ErrorCodes.BG_E_INVALID_SERVER_RESPONSE,
				ResponsePlan.decide(206, headers("Content-Range", "bytes 0-9/10"), 5, "\"e\"", -1, true).failure().code);
	}

	@Test
	void alreadyCompleteAnswers416WithTheSize() {
		assertEquals(ResponsePlan.Kind.COMPLETE, ResponsePlan.decide(416, headers("Content-Range", "bytes */100"), 100, "\"e\"", -1, true).kind());
		assertEquals(ResponsePlan.Kind.RESTART, ResponsePlan.decide(416, headers("Content-Range", "bytes */50"), 100, "\"e\"", -1, true).kind());
	}

	@Test
	void aRetryAfterBeyondADayIsCappedNeverAnOverflow() { // README reliability: Retry-After: 99999999999999999 once left a job CONNECTING
		assertEquals(ResponsePlan.MAX_RETRY_AFTER, ResponsePlan.retryAfter(headers("Retry-After", "99999999999999999")).orElseThrow());
		assertEquals(ResponsePlan.MAX_RETRY_AFTER, ResponsePlan.retryAfter(headers("Retry-After", "9".repeat(40))).orElseThrow());
		assertEquals(ResponsePlan.MAX_RETRY_AFTER, ResponsePlan.retryAfter(headers("Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")).orElseThrow());
	}

	@Test
	void aResumedFileOfAnotherLengthStartsAgain() { // J6: another total is another version, whatever the validator says
		assertEquals(ResponsePlan.Kind.RESTART, ResponsePlan.decide(206, headers("Content-Range", "bytes 5-9/10", "ETag", "\"e\""), 5, "\"e\"", 20, false).kind());
		assertEquals(ResponsePlan.Kind.WRITE, ResponsePlan.decide(206, headers("Content-Range", "bytes 5-9/10", "ETag", "\"e\""), 5, "\"e\"", 10, false).kind());
	}

	@Test
	void retryAfterInSecondsOrAsADate() {
		assertEquals(120, ResponsePlan.retryAfter(headers("Retry-After", "120")).orElseThrow().toSeconds());
		assertEquals(0, ResponsePlan.retryAfter(headers("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")).orElseThrow().toSeconds());
		assertEquals(ErrorCodes.httpError(410), ResponsePlan.httpStatus(410, headers()).code);
	}

	@Test
	void weakEtagsAreNotValidators() {
		assertEquals("Tue, 01 Jan 2030 00:00:00 GMT",
				ResponsePlan.validator(headers("ETag", "W/\"x\"", "Last-Modified", "Tue, 01 Jan 2030 00:00:00 GMT")));
	}
}
