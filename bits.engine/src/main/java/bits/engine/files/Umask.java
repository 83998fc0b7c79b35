package bits.engine.files;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** The permissions a new file gets under the process's umask (rw-rw-rw- less the umask), as curl's output file does. */
final class Umask {
	private static final PosixFilePermission[] BITS = { PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
			PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
			PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
			PosixFilePermission.OWNER_READ };
	private static volatile Set<PosixFilePermission> cached;

	private Umask() {
	}

	static Set<PosixFilePermission> newFilePermissions() {
		Set<PosixFilePermission> p = cached;
		if (p == null) {
			p = fromMode(0666 & ~umask());
			cached = p;
		}
		return EnumSet.copyOf(p);
	}

	/** Linux reports the umask in /proc (since 4.7); elsewhere the usual 022 is assumed. */
	private static int umask() {
		String umask = ProcessStatus.field("Umask");
		return umask == null ? 0022 : Integer.parseInt(umask, 8);
	}

	static Set<PosixFilePermission> fromMode(int mode) {
		Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
		for (int i = 0; i < BITS.length; i++) {
			if ((mode & (1 << i)) != 0) {
				s.add(BITS[i]);
			}
		}
		return s;
	}
}
