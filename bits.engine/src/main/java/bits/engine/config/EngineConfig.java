package bits.engine.config;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** The engine's settings: ConfigAdmin PID {@value #PID}, described by Metatype. */
@ObjectClassDefinition(id = EngineConfig.PID, name = "bits engine", description = "The bits background transfer engine")
public @interface EngineConfig {
	String PID = "bits.engine";

	@AttributeDefinition(name = "Store directory", description = "Where the SQLite store lives; empty: the engine bundle's data area")
	String store_directory() default "";

	@AttributeDefinition(name = "Store URL", description = "Empty: the SQLite store in the store directory. A jdbc:postgresql://HOST:PORT/DATABASE URL: the jobs live in that PostgreSQL database (needs the bundles org.postgresql.jdbc and com.zaxxer.HikariCP); the store directory still holds the API's tokens and address")
	String store_url() default "";

	@AttributeDefinition(name = "Store user", description = "The PostgreSQL user; empty: the URL's or the driver's default")
	String store_user() default "";

	@AttributeDefinition(name = "Store password", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD, description = "The PostgreSQL user's password; empty: none, or the URL's")
	String store_password() default "";

	@AttributeDefinition(name = "Store lease (s)", description = "Engines sharing a PostgreSQL store: an engine whose heartbeat (every second, by the database's clock) is older than this is dead, and another takes its jobs over. Each engine is judged by its own lease")
	int store_lease_s() default 15;

	@AttributeDefinition(name = "Engine name", description = "Engines sharing a PostgreSQL store: the name of this engine's machine, stable across restarts (a job whose files are on this machine's disk waits for an engine of this name); empty: the host name")
	String engine_name() default "";

	@AttributeDefinition(name = "Shared roots", description = "Engines sharing a PostgreSQL store: directories every engine reaches at the same path (NFS). A job whose files are all under them is transferred by any engine; another job is pinned to the engine (engine.name) that added its files")
	String[] store_shared_roots() default {};

	@AttributeDefinition(name = "Secrets key file", description = "The key that seals job passwords and custom header values in the store; empty: secrets.key in the engine bundle's data area. Keep it apart from backups of the store")
	String secrets_key_file() default "";

	@AttributeDefinition(name = "Background transfers", description = "Background (HIGH, NORMAL, LOW) jobs transferring at once, like BITS's one")
	int background_concurrency() default 1;

	@AttributeDefinition(name = "Foreground transfers", description = "FOREGROUND jobs transferring at once")
	int foreground_concurrency() default 64;

	@AttributeDefinition(name = "Files fetched ahead", description = "Files of a FOREGROUND job transferred ahead of the one in turn, each in a request of its own beside the others (at most 16); they still complete and are notified in order. 0: one file at a time, like BITS. Background jobs, and jobs with a maximum download size, transfer one file at a time")
	int fetch_ahead() default 4;

	@AttributeDefinition(name = "Time slice (ms)", description = "How long a background job runs before an equal-priority job gets its turn")
	long time_slice_ms() default 30_000;

	@AttributeDefinition(name = "Background bandwidth (bytes/s)", description = "Limit for background priorities together; 0: unlimited. FOREGROUND is never limited")
	long background_bandwidth() default 0;

	@AttributeDefinition(name = "file: roots", description = "Directories that file: URIs may read from; none: file: URIs are refused")
	String[] file_roots() default {};

	@AttributeDefinition(name = "Default minimum retry delay (s)", description = "For new jobs; BITS's default is 600")
	long default_retry_delay_s() default 600;

	@AttributeDefinition(name = "Default no-progress timeout (s)", description = "For new jobs; BITS's default is 14 days")
	long default_no_progress_timeout_s() default 1_209_600;

	@AttributeDefinition(name = "Jobs per owner", description = "BITS MaxJobsPerUser")
	int max_jobs_per_owner() default 60;

	@AttributeDefinition(name = "Jobs per engine", description = "BITS MaxJobsPerMachine")
	int max_jobs() default 300;

	@AttributeDefinition(name = "Files per job", description = "BITS MaxFilesPerJob")
	int max_files_per_job() default 200;

	@AttributeDefinition(name = "Job inactivity timeout (days)", description = "Jobs unchanged this long are cancelled, like BITS's JobInactivityTimeout")
	int job_inactivity_days() default 90;

	@AttributeDefinition(name = "Connect timeout (ms)")
	long connect_timeout_ms() default 30_000;

	@AttributeDefinition(name = "Read timeout (ms)", description = "A response or body that stalls this long is a transient error")
	long read_timeout_ms() default 60_000;

	@AttributeDefinition(name = "Maximum redirects")
	int max_redirects() default 10;

	@AttributeDefinition(name = "Trust store", description = "An extra trust store (PKCS12 or JKS) trusted besides the JDK's; empty: the JDK's only")
	String trust_store() default "";

	@AttributeDefinition(name = "Trust store password", type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD)
	String trust_store_password() default "";

	@AttributeDefinition(name = "Notifications in flight per owner", description = "Callbacks of one owner running at once, like BITS's four")
	int notify_owner_slots() default 4;

	@AttributeDefinition(name = "Callback timeout (ms)", description = "A callback running longer is reported and no longer holds its owner's slot")
	long notify_callback_timeout_ms() default 30_000;

	@AttributeDefinition(name = "Stuck callbacks per owner", description = "Threads of one owner left in callbacks past the timeout; beyond it the owner gets no more notifications until one returns")
	int notify_max_stuck_per_owner() default 16;

	@AttributeDefinition(name = "Handler repositories", description = "URLs (file:, https:) of OSGi repository indexes that handler bundles are installed from on demand; only these are trusted."
			+ " A plain http: index is accepted only with its SHA-256 pinned: http://host/index.xml;sha256=<64 hex digits>; a pin may follow any URL")
	String[] handler_repositories() default {};

	@AttributeDefinition(name = "Handler bundle roots", description = "URL prefixes (directories) that an index's bundles may also come from;"
			+ " by default a bundle must be under its index's own origin (same scheme, host and port; for a file: index, its directory)")
	String[] handler_bundle_roots() default {};

	@AttributeDefinition(name = "Handler download limit (bytes)", description = "The largest repository index or handler bundle the engine downloads")
	long handler_download_max_bytes() default 64L << 20;

	@AttributeDefinition(name = "Handler download timeout (ms)", description = "How long reading one repository index or handler bundle may take")
	long handler_download_timeout_ms() default 60_000;

	@AttributeDefinition(name = "Handler bundles", description = "Symbolic names of bundles trusted to provide handlers for every owner's jobs;"
			+ " besides them only bundles the engine installed from its repositories, and a job's own bundle for its jobs, are used")
	String[] handler_bundles() default {};

	@AttributeDefinition(name = "Admin bundles", description = "Symbolic names of bundles that may use the all-owners view (JobScope.ALL_OWNERS);"
			+ " the engine's own shell commands always may")
	String[] admin_bundles() default {};

	@AttributeDefinition(name = "Handler activation timeout (ms)", description = "How long to wait for a started handler bundle's service")
	long handler_activation_timeout_ms() default 10_000;

	@AttributeDefinition(name = "Handler idle time (s)", description = "A handler not called this long is released (its component deactivates); 0: never")
	long handler_idle_s() default 300;

	@AttributeDefinition(name = "Handler repository refresh (s)", description = "How long an http(s) index is used before it is read again to look for"
			+ " newer handler versions; a file: index is read again whenever its file changes")
	long handler_repository_refresh_s() default 60;

	@AttributeDefinition(name = "Handler uninstall idle time (s)", description = "A handler bundle the engine installed on demand (or a library it installed"
			+ " with one) that no job has needed this long is uninstalled; bundles it did not install are never touched; 0: never. Default 7 days")
	long handler_uninstall_idle_s() default 604_800;

	@AttributeDefinition(name = "Event journal retention (hours)", description = "How long the event stream can replay a terminal event"
			+ " (a job transferred or in error, a file transferred) to a client that reconnects with its last event id")
	long event_retention_hours() default 168;
}
