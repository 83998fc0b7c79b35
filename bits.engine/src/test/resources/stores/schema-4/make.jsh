// Writes the store fixture of schema 4 (the release of issue 12/13: enum values stored as ordinals) with the code of
// that release. Run from the repository root after `mvn -o -q compile -pl bits.engine -am`:
//   D=bits.engine/src/test/resources/stores/schema-4; rm -f $D/bits.db* $D/secrets.key $D/bits.lock
//   jshell --class-path "bits.api/target/classes:bits.engine/target/classes:$HOME/.m2/repository/org/xerial/sqlite-jdbc/3.50.3.0/sqlite-jdbc-3.50.3.0.jar" $D/make.jsh
// StoreMigrationTest opens a copy and checks every value below; never regenerate it with a newer engine.
import java.net.URI;
import java.nio.file.*;
import java.time.*;
import java.util.*;
import bits.api.*;
import bits.engine.store.*;

Path dir = Path.of("bits.engine/src/test/resources/stores/schema-4");
Store s = Store.open(dir, Secrets.open(dir.resolve("secrets.key")));

JobRow a = new JobRow(UUID.fromString("00000000-0000-4000-8000-00000000000a"), "owner.a", JobType.DOWNLOAD, "every property", Instant.ofEpochMilli(1_700_000_000_000L));
a.files.add(new FileRow(0, URI.create("https://example.com/a0"), Path.of("/data/a0"), Path.of("/data/.a0.00000000.0123456789abcdef.bits-tmp")));
a.files.add(new FileRow(1, URI.create("https://example.com/a1"), Path.of("/data/a1"), Path.of("/data/.a1.00000000.fedcba9876543210.bits-tmp")));
s.insertJob(a);
a.state = JobState.TRANSIENT_ERROR;
a.description = "all set";
a.priority = JobPriority.LOW;
a.minimumRetryDelay = Duration.ofSeconds(70);
a.noProgressTimeout = Duration.ofSeconds(900);
a.minimumNotificationInterval = Duration.ofMillis(250);
a.customHeaders.put("X-Api-Key", "header secret");
a.credentials.put(AuthTarget.SERVER, new Credentials(AuthTarget.SERVER, AuthScheme.BASIC, "user", "server password"));
a.credentials.put(AuthTarget.PROXY, new Credentials(AuthTarget.PROXY, AuthScheme.DIGEST, "puser", "proxy password"));
a.proxySettings = new ProxySettings(ProxyUsage.OVERRIDE, List.of("p1:3128", "p2:8080"), List.of("*.local"));
a.maxDownloadSize = 12345;
a.redirectPolicy = RedirectPolicy.DISALLOW;
a.notifyFlags = EnumSet.of(NotifyFlag.JOB_MODIFICATION, NotifyFlag.FILE_TRANSFERRED);
a.handlerId = "com.example.handler";
a.error = new JobError(ErrorContext.REMOTE_FILE, ErrorCodes.httpError(503), "busy", 1);
a.retryAt = Instant.ofEpochMilli(1_700_000_600_000L);
a.modified = Instant.ofEpochMilli(1_700_000_300_000L);
a.lastProgress = Instant.ofEpochMilli(1_700_000_200_000L);
a.plainHttpAuthentication = true;
s.updateJob(a);
FileRow a0 = a.files.get(0);
a0.bytesTotal = 100; a0.bytesTransferred = 100; a0.completed = true; a0.validation = ValidationState.VALID; a0.validator = "\"etag-a0\""; a0.temporaryKey = "1:2:3";
s.updateFile(a, a0);
FileRow a1 = a.files.get(1);
a1.bytesTotal = 1000; a1.bytesTransferred = 400; a1.validator = "Tue, 01 Dec 2026 10:00:00 GMT"; a1.temporaryKey = "1:4:3";
s.updateFile(a, a1);
s.insertNotice(a.id, Notice.Kind.FILE_TRANSFERRED, 0);
s.insertJournal(a, Notice.Kind.FILE_TRANSFERRED, 0);

JobRow b = new JobRow(UUID.fromString("00000000-0000-4000-8000-00000000000b"), "owner.b", JobType.DOWNLOAD, "transferred", Instant.ofEpochMilli(1_700_000_001_000L));
b.files.add(new FileRow(0, URI.create("http://127.0.0.1:8080/b"), Path.of("/data/b"), Path.of("/data/.b.00000000.00000000000000bb.bits-tmp")));
s.insertJob(b);
b.state = JobState.TRANSFERRED;
b.priority = JobPriority.FOREGROUND;
b.redirectPolicy = RedirectPolicy.ALLOW_HTTPS_TO_HTTP;
b.proxySettings = ProxySettings.NO_PROXY;
b.notificationError = new JobError(ErrorContext.REMOTE_APPLICATION, ErrorCodes.HANDLER_NOT_FOUND, "no handler yet", -1);
b.transferred = Instant.ofEpochMilli(1_700_000_002_000L);
b.modified = b.transferred;
b.lastProgress = b.transferred;
s.updateJob(b);
FileRow b0 = b.files.get(0);
b0.bytesTotal = 5; b0.bytesTransferred = 5; b0.completed = true; b0.validation = ValidationState.INVALID; b0.temporaryKey = "1:9:3";
s.updateFile(b, b0);
s.insertNotice(b.id, Notice.Kind.JOB_TRANSFERRED, -1);
s.insertJournal(b, Notice.Kind.FILE_TRANSFERRED, 0);
s.insertJournal(b, Notice.Kind.JOB_TRANSFERRED, -1);

JobRow c = new JobRow(UUID.fromString("00000000-0000-4000-8000-00000000000c"), "owner.a", JobType.DOWNLOAD, "in error", Instant.ofEpochMilli(1_700_000_003_000L));
s.insertJob(c);
c.state = JobState.ERROR;
c.priority = JobPriority.HIGH;
c.notifyFlags = EnumSet.of(NotifyFlag.JOB_ERROR, NotifyFlag.DISABLE);
c.error = new JobError(ErrorContext.LOCAL_FILE, ErrorCodes.E_ACCESSDENIED, "denied", -1);
c.modified = Instant.ofEpochMilli(1_700_000_004_000L);
s.updateJob(c);
s.insertNotice(c.id, Notice.Kind.JOB_ERROR, -1);
s.insertJournal(c, Notice.Kind.JOB_ERROR, -1);

JobRow d = new JobRow(UUID.fromString("00000000-0000-4000-8000-00000000000d"), "owner.b", JobType.DOWNLOAD, "queued", Instant.ofEpochMilli(1_700_000_005_000L));
d.files.add(new FileRow(0, URI.create("https://example.com/d"), Path.of("/data/d"), Path.of("/data/.d.00000000.00000000000000dd.bits-tmp")));
s.insertJob(d);
d.state = JobState.QUEUED;
d.priority = JobPriority.NORMAL;
s.updateJob(d);

s.close();
/exit
