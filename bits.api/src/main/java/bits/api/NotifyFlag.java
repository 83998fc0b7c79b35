package bits.api;

import java.util.EnumSet;
import java.util.Set;

/**
 * A kind of notification a job asks for; BITS {@code BG_NOTIFY_*}, with the same bit values.
 * <p>
 * A job's flags are an {@link EnumSet}; the default is {@link #JOB_TRANSFERRED} and {@link #JOB_ERROR}
 * ({@link #DEFAULTS}). {@link #DISABLE} suppresses every notification whatever else is set (SPEC N1).
 */
public enum NotifyFlag {
	/** {@link TransferCallback#jobTransferred} ({@code BG_NOTIFY_JOB_TRANSFERRED}, 0x1). */
	JOB_TRANSFERRED(0x0001),
	/** {@link TransferCallback#jobError} ({@code BG_NOTIFY_JOB_ERROR}, 0x2). */
	JOB_ERROR(0x0002),
	/** No notification at all ({@code BG_NOTIFY_DISABLE}, 0x4). */
	DISABLE(0x0004),
	/** {@link TransferCallback#jobModification} ({@code BG_NOTIFY_JOB_MODIFICATION}, 0x8). */
	JOB_MODIFICATION(0x0008),
	/** {@link TransferCallback#fileTransferred} ({@code BG_NOTIFY_FILE_TRANSFERRED}, 0x10). */
	FILE_TRANSFERRED(0x0010);

	/** The BITS flag word of a new job: {@code JOB_TRANSFERRED | JOB_ERROR}; {@link #defaults()} gives it as a set. */
	public static final int DEFAULTS = 0x0003;

	private final int bit;

	NotifyFlag(int bit) {
		this.bit = bit;
	}

	/** @return the BITS bit value of this flag */
	public int bit() {
		return bit;
	}

	/** @return a new set holding the default flags of a job */
	public static EnumSet<NotifyFlag> defaults() {
		return fromBits(DEFAULTS);
	}

	/**
	 * @param bits a BITS flag word such as {@code bitsadmin /setnotifyflags} takes
	 * @return the flags it holds
	 * @throws IllegalArgumentException if a bit is set that names no flag (BITS answers {@code E_NOTIMPL})
	 */
	public static EnumSet<NotifyFlag> fromBits(int bits) {
		EnumSet<NotifyFlag> set = EnumSet.noneOf(NotifyFlag.class);
		int rest = bits;
		for (NotifyFlag f : values()) {
			if ((bits & f.bit) != 0) {
				set.add(f);
				rest &= ~f.bit;
			}
		}
		if (rest != 0) {
			throw new IllegalArgumentException(String.format("unknown notify flag bits 0x%x", rest));
		}
		return set;
	}

	/**
	 * @param flags a set of flags
	 * @return the BITS flag word for them
	 */
	public static int toBits(Set<NotifyFlag> flags) {
		int bits = 0;
		for (NotifyFlag f : flags) {
			bits |= f.bit;
		}
		return bits;
	}
}
