package bits.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The value types of the API keep BITS's numbers and refuse bad values. */
class ApiValuesTest {
	@Test
	void notifyFlagsKeepBitsValuesAndDefaultToTransferredAndError() { // N1
		assertEquals(EnumSet.of(NotifyFlag.JOB_TRANSFERRED, NotifyFlag.JOB_ERROR), NotifyFlag.defaults());
		assertEquals(0x1F, NotifyFlag.toBits(EnumSet.allOf(NotifyFlag.class)));
		assertEquals(EnumSet.of(NotifyFlag.DISABLE, NotifyFlag.FILE_TRANSFERRED), NotifyFlag.fromBits(0x14));
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NotifyFlag.fromBits(0x21));
		assertTrue(e.getMessage().contains("0x20"), e.getMessage());
	}

	@Test
	void enumsKeepBitsOrdinals() {
		assertEquals(6, JobState.TRANSFERRED.ordinal());
		assertEquals(8, JobState.CANCELLED.ordinal());
		assertTrue(JobState.ACKNOWLEDGED.isFinal() && JobState.CANCELLED.isFinal());
		assertFalse(JobState.ERROR.isFinal());
		assertEquals(0, JobPriority.FOREGROUND.ordinal());
		assertFalse(JobPriority.FOREGROUND.isBackground());
		assertEquals(5, ErrorContext.REMOTE_FILE.ordinal());
	}

	@Test
	void httpStatusMapsToBitsCode() {
		assertEquals(0x80190194, ErrorCodes.httpError(404));
		assertEquals("0x80200002", ErrorCodes.hex(ErrorCodes.BG_E_INVALID_STATE));
	}

	@Test
	void credentialsNeverShowThePasswordAndKeepBitsLimits() {
		Credentials c = new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "alice", "s3cret");
		assertFalse(c.toString().contains("s3cret"), c.toString());
		TransferException e = assertThrows(TransferException.class,
				() -> new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "u".repeat(301), "p"));
		assertEquals(ErrorCodes.BG_E_STRING_TOO_LONG, e.getCode());
	}

	@Test
	void proxyListsOnlyWithOverride() {
		assertEquals(ErrorCodes.E_INVALIDARG, assertThrows(TransferException.class,
				() -> new ProxySettings(ProxyUsage.OVERRIDE, List.of(), List.of())).getCode());
		assertEquals(ErrorCodes.E_INVALIDARG, assertThrows(TransferException.class,
				() -> new ProxySettings(ProxyUsage.NO_PROXY, List.of("p:3128"), List.of())).getCode());
		assertEquals(List.of("p:3128"), new ProxySettings(ProxyUsage.OVERRIDE, List.of("p:3128"), List.of()).proxies());
	}

	@Test
	void jobErrorNamesItsFile() {
		JobError e = new JobError(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(404), "not found", 2);
		assertEquals(2, e.fileIndex().orElseThrow());
		assertTrue(new JobError(ErrorContext.GENERAL_QUEUE_MANAGER, 1, "x", JobError.NO_FILE).fileIndex().isEmpty());
		assertTrue(e.toString().contains("0x80190194"), e.toString());
	}
}
