package bits.api;

/**
 * The error codes bits reports, as BITS-style HRESULT values (BITS {@code bitsmsg.h} and Win32 values), carried by
 * {@link TransferException#getCode()} and {@link JobError#code()}.
 */
public final class ErrorCodes {
	private ErrorCodes() {
	}

	/** One or more arguments are not valid: null, malformed, relative or escaping paths, duplicates. */
	public static final int E_INVALIDARG = 0x80070057;
	/** Not implemented in this release, such as upload jobs. */
	public static final int E_NOTIMPL = 0x80004001;
	/** The caller may not do this. */
	public static final int E_ACCESSDENIED = 0x80070005;
	/** A handler id names no bundle installed or in a configured repository (Windows {@code REGDB_E_CLASSNOTREG}). */
	public static final int HANDLER_NOT_FOUND = 0x80040154;
	/** A handler bundle could not be resolved, verified, installed, started or activated (Windows {@code CO_E_SERVER_EXEC_FAILURE}). */
	public static final int HANDLER_ACTIVATION_FAILED = 0x80080005;

	/** The system cannot find the file: a {@code file:} source is missing ({@code ERROR_FILE_NOT_FOUND}). */
	public static final int E_FILE_NOT_FOUND = 0x80070002;
	/** The system cannot find the path: a destination directory is missing ({@code ERROR_PATH_NOT_FOUND}). */
	public static final int E_PATH_NOT_FOUND = 0x80070003;
	/** There is not enough space on the disk ({@code ERROR_DISK_FULL}). */
	public static final int E_DISK_FULL = 0x80070070;
	/** An operation timed out: no response or no data within the timeout ({@code ERROR_WINHTTP_TIMEOUT}). */
	public static final int E_TIMEOUT = 0x80072EE2;
	/** The connection to the server could not be made ({@code ERROR_WINHTTP_CANNOT_CONNECT}). */
	public static final int E_CANNOT_CONNECT = 0x80072EFD;
	/** The connection was reset or closed early ({@code ERROR_WINHTTP_CONNECTION_ERROR}). */
	public static final int E_CONNECTION_ERROR = 0x80072EFE;
	/** A redirect was refused or there were too many ({@code ERROR_WINHTTP_REDIRECT_FAILED}). */
	public static final int E_REDIRECT_FAILED = 0x80072F7C;
	/** The server's certificate was not trusted or TLS failed ({@code ERROR_WINHTTP_SECURE_FAILURE}). */
	public static final int E_SECURE_FAILURE = 0x80072F8F;

	/** The requested job was not found. */
	public static final int BG_E_NOT_FOUND = 0x80200001;
	/** The requested action is not allowed in the job's current state. */
	public static final int BG_E_INVALID_STATE = 0x80200002;
	/** The job has no files: it cannot be resumed. */
	public static final int BG_E_EMPTY = 0x80200003;
	/** The server did not return the file size. */
	public static final int BG_E_MISSING_FILE_SIZE = 0x80200011;
	/** The server does not support the HTTP features bits needs. */
	public static final int BG_E_INSUFFICIENT_HTTP_SUPPORT = 0x80200012;
	/** The server does not support range requests, which a background job needs. */
	public static final int BG_E_INSUFFICIENT_RANGE_SUPPORT = 0x80200013;
	/** The server's response was not valid. */
	public static final int BG_E_INVALID_SERVER_RESPONSE = 0x8020001B;
	/** An upload job has one file: another cannot be added. */
	public static final int BG_E_TOO_MANY_FILES = 0x8020001C;
	/** The local file of an upload job changed while it was uploaded: create the job again. */
	public static final int BG_E_LOCAL_FILE_CHANGED = 0x8020001D;
	/** The server application that received an upload failed. */
	public static final int BG_E_ERROR_CONTEXT_REMOTE_APPLICATION = 0x8020001E;
	/** The upload session is not on the server (expired, cancelled, or never there). */
	public static final int BG_E_SESSION_NOT_FOUND = 0x8020001F;
	/** The upload is larger than the server takes. */
	public static final int BG_E_TOO_LARGE = 0x80200020;
	/** No error information: the job is not in an error state. */
	public static final int BG_E_ERROR_INFORMATION_UNAVAILABLE = 0x8020000F;
	/** A string is longer than allowed (display name 256, description 1024 characters). */
	public static final int BG_E_STRING_TOO_LONG = 0x80200021;
	/** The job made no progress within its no-progress timeout. */
	public static final int BG_E_NO_PROGRESS = 0x80200024;
	/** The owner has too many jobs. */
	public static final int BG_E_TOO_MANY_JOBS_PER_USER = 0x80200049;
	/** The engine has too many jobs. */
	public static final int BG_E_TOO_MANY_JOBS_PER_MACHINE = 0x80200050;
	/** The job has too many files. */
	public static final int BG_E_TOO_MANY_FILES_IN_JOB = 0x80200051;
	/** A callback marked a file invalid. */
	public static final int BG_E_VALIDATION_FAILED = 0x80200053;
	/** The job would exceed its maximum download size. */
	public static final int BG_E_MAX_DOWNLOAD_SIZE_LIMIT_REACHED = 0x80200064;
	/** The remote file changed while being transferred. */
	public static final int BG_E_REMOTE_FILE_CHANGED = 0x80200073;
	/** An HTTP status: {@code HTTP_ERROR_BASE + status}, so 404 is {@code 0x80190194}. */
	public static final int HTTP_ERROR_BASE = 0x80190000;

	/** Success, but only the fully transferred files were kept ({@code BG_S_PARTIAL_COMPLETE}). */
	public static final int BG_S_PARTIAL_COMPLETE = 0x00200017;
	/** Success, but some temporary files could not be deleted ({@code BG_S_UNABLE_TO_DELETE_FILES}). */
	public static final int BG_S_UNABLE_TO_DELETE_FILES = 0x0020001A;

	/**
	 * @param status an HTTP status code
	 * @return its BITS error code, {@code 0x80190000 + status}
	 */
	public static int httpError(int status) {
		return HTTP_ERROR_BASE + status;
	}

	/**
	 * @param code an error code
	 * @return the code as BITS prints it, such as {@code 0x80200002}
	 */
	public static String hex(int code) {
		return String.format("0x%08X", code);
	}
}
