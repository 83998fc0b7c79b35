package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;

import bits.api.AuthTarget;
import bits.api.ErrorCodes;
import bits.api.JobPriority;
import bits.api.JobScope;
import bits.api.JobState;
import bits.api.NotifyFlag;
import bits.api.ProxyUsage;
import bits.api.TransferException;
import bits.api.TransferJob;

/** The Gogo commands through a real CommandProcessor session (issue 6: bitsadmin's /set... surface). */
class ShellIT extends WithNginx {
	private CommandProcessor processor;
	private CommandSession session;
	private ByteArrayOutputStream out;
	private ByteArrayOutputStream err;

	@BeforeEach
	void openSession() throws Exception {
		BundleContext context = FrameworkUtil.getBundle(ShellIT.class).getBundleContext();
		Engine.await(() -> "the bits: commands; " + diagnosis(context), () -> context.getServiceReference(CommandProcessor.class) != null
				&& commands(context));
		processor = context.getService(context.getServiceReference(CommandProcessor.class));
		out = new ByteArrayOutputStream();
		err = new ByteArrayOutputStream();
		session = processor.createSession(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(err, true));
	}

	private static String diagnosis(BundleContext context) {
		var scr = context.getService(context.getServiceReference(org.osgi.service.component.runtime.ServiceComponentRuntime.class));
		StringBuilder b = new StringBuilder();
		for (var bundle : context.getBundles()) {
			if (bundle.getSymbolicName().equals("bits.engine")) {
				for (var d : scr.getComponentDescriptionDTOs(bundle)) {
					if (d.name.contains("shell")) {
						scr.getComponentConfigurationDTOs(d).forEach(c -> b.append(d.name).append('=').append(c.state).append(' ')
								.append(c.failure).append(java.util.Arrays.toString(c.unsatisfiedReferences)).append("; "));
					}
				}
				var wiring = bundle.adapt(org.osgi.framework.wiring.BundleWiring.class);
				wiring.getRequiredWires("osgi.wiring.package").stream().filter(w -> w.getCapability().getAttributes().toString().contains("command"))
						.forEach(w -> b.append("wired ").append(w.getCapability().getAttributes()).append("; "));
			}
		}
		return b.toString();
	}

	private static boolean commands(BundleContext context) {
		try {
			return context.getServiceReferences((String) null, "(osgi.command.function=setnotifyflags)") != null;
		} catch (org.osgi.framework.InvalidSyntaxException e) {
			throw new IllegalStateException(e);
		}
	}

	@AfterEach
	void closeSession() {
		session.close();
		manager.listJobs(JobScope.ALL_OWNERS).forEach(TransferJob::cancel);
	}

	private Object run(String command) throws Exception {
		return session.execute(command);
	}

	private TransferJob created(String name) throws Exception {
		String id = String.valueOf(run("bits:create " + name));
		return manager.getJob(java.util.UUID.fromString(id), JobScope.ALL_OWNERS);
	}

	@Test
	void setCommandsChangeTheJob() throws Exception {
		TransferJob job = created("props");
		run("bits:setdisplayname props renamed");
		run("bits:setdescription renamed 'a longer description'");
		run("bits:setnotifyflags renamed JOB_TRANSFERRED FILE_TRANSFERRED");
		assertEquals(EnumSet.of(NotifyFlag.JOB_TRANSFERRED, NotifyFlag.FILE_TRANSFERRED), job.getNotifyFlags());
		run("bits:setnotifyflags renamed 3"); // BITS's number: JOB_TRANSFERRED | JOB_ERROR
		assertEquals("JOB_TRANSFERRED JOB_ERROR (3)", run("bits:getnotifyflags renamed"));
		run("bits:setminretrydelay renamed 60");
		run("bits:setnoprogresstimeout renamed 3600");
		run("bits:setcustomheaders renamed 'X-Trace: 1' 'X-Other: two'");
		run("bits:setcredentials --password-file '" + Files.writeString(tmp.resolve("alice.txt"), "secret\n") + "' renamed SERVER BASIC alice");
		run("bits:setproxysettings renamed OVERRIDE 127.0.0.1:3128 localhost");
		run("bits:addfile renamed " + nginx.uri("/files/x.bin") + " " + dest("x.bin"));
		assertEquals("renamed", job.getDisplayName());
		assertEquals("a longer description", job.getDescription());
		assertEquals(Duration.ofSeconds(60), job.getMinimumRetryDelay());
		assertEquals(Duration.ofHours(1), job.getNoProgressTimeout());
		assertEquals(Map.of("X-Trace", "1", "X-Other", "two"), job.getCustomHeaders());
		assertTrue(job.hasCredentials(AuthTarget.SERVER));
		assertFalse(job.isPlainHttpAuthenticationAllowed(), "server credentials over https only, without --allow-http");
		assertEquals(ProxyUsage.OVERRIDE, job.getProxySettings().usage());
		String files = String.valueOf(run("bits:files renamed"));
		assertTrue(files.startsWith("0 " + nginx.uri("/files/x.bin") + " -> " + dest("x.bin") + " 0/?"), files);
	}

	@Test
	void setcredentialsReadsThePasswordFromAFileOrTheInput() throws Exception {
		Files.write(nginx.root.resolve("files/cred.bin"), new byte[4096]);
		Path file = Files.writeString(tmp.resolve("password.txt"), "s3cret\nnot this line\n");
		TransferJob filed = created("filed");
		run("bits:setcredentials --allow-http --password-file '" + file + "' filed SERVER BASIC user");
		TransferJob typed = created("typed");
		try (CommandSession keyboard = processor.createSession(new ByteArrayInputStream("s3cret\nnext\n".getBytes(StandardCharsets.UTF_8)),
				new PrintStream(out, true), new PrintStream(err, true))) {
			keyboard.execute("bits:setcredentials --allow-http typed SERVER BASIC user");
		}
		for (TransferJob job : List.of(filed, typed)) { // nginx's /auth/ wants user:s3cret and the token
			run("bits:setcustomheaders " + job.getId() + " 'X-Bits-Token: t0ken'");
			run("bits:addfile " + job.getId() + " " + nginx.uri("/auth/cred.bin") + " " + dest(job.getDisplayName() + ".bin"));
			run("bits:resume " + job.getId());
		}
		assertTrue(filed.isPlainHttpAuthenticationAllowed() && typed.isPlainHttpAuthenticationAllowed(), "--allow-http");
		Engine.awaitState(filed, JobState.TRANSFERRED);
		Engine.awaitState(typed, JobState.TRANSFERRED);
	}

	@Test
	void badArgumentsAreNamedAndChangeNothing() throws Exception {
		TransferJob job = created("strict");
		assertError("BOGUS", () -> run("bits:setnotifyflags strict JOB_ERROR BOGUS"));
		assertError("0x100", () -> run("bits:setnotifyflags strict 256"));
		assertEquals(NotifyFlag.defaults(), job.getNotifyFlags());
		assertError("'soon' is not a number of seconds", () -> run("bits:setminretrydelay strict soon"));
		assertEquals(Duration.ofSeconds(5), job.getMinimumRetryDelay()); // the configured default in the ITs
		assertError("needs at least one proxy", () -> run("bits:setproxysettings strict OVERRIDE"));
		assertError("'AUTODETECT' is not one of", () -> run("bits:setproxysettings strict AUTODETECT"));
		assertEquals(ProxyUsage.PRECONFIG, job.getProxySettings().usage());
		assertError("is not 'Name: value'", () -> run("bits:setcustomheaders strict NoColon"));
		assertError("'ROOT' is not one of", () -> run("bits:setcredentials strict ROOT BASIC a"));
		assertError("setcredentials takes no password argument (it would show in the process list)",
				() -> run("bits:setcredentials strict SERVER BASIC a b"));
		assertError("password file 'nosuch' does not exist", () -> run("bits:setcredentials --password-file nosuch strict SERVER BASIC a"));
		assertError("no password: the input ended", () -> run("bits:setcredentials strict SERVER BASIC a")); // the session's input is empty
		assertFalse(job.hasCredentials(AuthTarget.SERVER));
		assertError("no job with id, id prefix or display name 'nosuch'", () -> run("bits:setdescription nosuch d"));
		created("twin");
		created("twin");
		assertError("names 2 jobs", () -> run("bits:setdescription twin d"));
		assertEquals("", job.getDescription());
	}

	@Test
	void createTakesPriorityAndTypeAndRefusesBadOnesCreatingNothing() throws Exception {
		TransferJob high = manager.getJob(java.util.UUID.fromString(String.valueOf(run("bits:create --priority HIGH urgent"))), JobScope.ALL_OWNERS);
		assertEquals(JobPriority.HIGH, high.getPriority());
		int jobs = manager.listJobs(JobScope.ALL_OWNERS).size();
		assertError("priority 'URGENT' is not one of", () -> run("bits:create --priority URGENT x"));
		assertError("job type 'PUSH' is not one of", () -> run("bits:create --type PUSH x"));
		assertEquals(jobs, manager.listJobs(JobScope.ALL_OWNERS).size(), "nothing created");
		TransferJob upload = manager.getJob(java.util.UUID.fromString(String.valueOf(run("bits:create --type upload up"))), JobScope.ALL_OWNERS);
		assertEquals(bits.api.JobType.UPLOAD, upload.getType(), "the type in any case, as bitsadmin /create /upload");
		upload.cancel();
	}

	@Test
	void listInfoFilesAndHandlersPrintTextAndJson() throws Exception {
		BundleContext context = FrameworkUtil.getBundle(ShellIT.class).getBundleContext();
		manager = Engine.configured(Map.of("handler.repositories", Path.of(context.getProperty("bits.samples.index")).toAbsolutePath().normalize().toUri().toString()));
		TransferJob mine = created("shown");
		run("bits:addfile shown " + nginx.uri("/files/x.bin") + " " + dest("x.bin"));
		run("bits:setcustomheaders shown 'X-Secret: s3cr3t'");
		TransferJob theirs = manager.createJob("the test bundle's"); // another owner: only list --all shows it
		theirs.setHandlerId("bits.samples.logging");

		String own = String.valueOf(run("bits:list"));
		assertTrue(own.contains(mine.getId().toString()) && !own.contains(theirs.getId().toString()), own);
		String all = String.valueOf(run("bits:list --all"));
		assertTrue(all.contains(mine.getId().toString()) && all.contains(theirs.getId().toString()), all);
		assertTrue(String.valueOf(run("bits:list --all --verbose")).contains("notify flags: JOB_TRANSFERRED JOB_ERROR (3)"));

		List<Object> listed = array(run("bits:list --all --json"));
		assertEquals(2, listed.size());
		Map<String, Object> first = object(listed.get(0));
		assertEquals(mine.getId().toString(), first.get("id"));
		assertEquals("SUSPENDED", first.get("state"));

		String info = String.valueOf(run("bits:info shown"));
		assertTrue(info.startsWith(mine.getId() + " SUSPENDED NORMAL 0/? 0/1 \"shown\""), info);
		assertTrue(!info.contains("notify flags"), info);
		String verbose = String.valueOf(run("bits:info --verbose shown"));
		assertTrue(verbose.contains("custom headers: [X-Secret]") && !verbose.contains("s3cr3t"), verbose); // names, never values
		assertTrue(verbose.contains("temporary "), verbose);
		Map<String, Object> json = object(run("bits:info shown --json --verbose"));
		assertEquals("shown", json.get("displayName"));
		assertEquals(List.of("X-Secret"), json.get("customHeaderNames"));
		assertEquals(List.of("JOB_TRANSFERRED", "JOB_ERROR"), json.get("notifyFlags"));
		Map<String, Object> file = object(((List<?>) json.get("files")).get(0));
		assertEquals(dest("x.bin").toString(), file.get("localPath"));
		assertEquals(-1L, ((Number) file.get("bytesTotal")).longValue());

		List<Object> files = array(run("bits:files --json shown"));
		assertEquals(nginx.uri("/files/x.bin").toString(), object(files.get(0)).get("remoteUri"));
		Map<String, Object> logging = array(run("bits:handlers --json")).stream().map(ShellIT::object)
				.filter(h -> h.get("id").equals("bits.samples.logging")).findFirst().orElseThrow();
		assertEquals("AVAILABLE", logging.get("state"));
		assertEquals(List.of(theirs.getId().toString()), logging.get("jobs"));
		assertTrue(String.valueOf(run("bits:handlers")).contains("bits.samples.logging AVAILABLE"));
		assertError("no job with id, id prefix or display name 'nosuch'", () -> run("bits:info nosuch --json"));
	}

	@Test
	void monitorRedrawsATableInPlace() throws Exception {
		TransferJob job = created("watched");
		run("bits:monitor --refresh 0.05 --count 3");
		String screen = out.toString(java.nio.charset.StandardCharsets.UTF_8);
		assertEquals(3, screen.split("\033\\[H\033\\[2J", -1).length - 1, "three redraws, each from the top of a cleared screen");
		assertTrue(screen.contains(job.getId().toString().substring(0, 8) + "  watched"), screen);
		assertError("refresh '0' is not a positive number", () -> run("bits:monitor --refresh 0 --count 1"));
		assertError("count 'x' is not a number", () -> run("bits:monitor --count x"));
	}

	@Test
	void transferDownloadsCompletesAndShowsProgress() throws Exception {
		byte[] data = new byte[3 << 20];
		new java.util.Random(11).nextBytes(data);
		java.nio.file.Files.write(nginx.root.resolve("files/t.bin"), data);
		Path target = dest("t.bin");
		String result = String.valueOf(run("bits:transfer 'my transfer' " + nginx.uri("/files/t.bin") + " " + target));
		assertTrue(result.startsWith("transferred 1 file(s), 3.0 MiB in "), result);
		assertArrayEquals(data, java.nio.file.Files.readAllBytes(target), "completed: the file is at its destination");
		assertTrue(err.toString().contains("bits: TRANSFERRED  3.0 MiB / 3.0 MiB"), err.toString()); // plain progress lines
		assertTrue(manager.listJobs(JobScope.ALL_OWNERS).stream().noneMatch(j -> j.getDisplayName().equals("my transfer")), "acknowledged");

		Map<String, Object> json = object(run("bits:transfer --json --priority NORMAL " + nginx.uri("/files/t.bin") + " " + dest("u.bin")));
		assertEquals("TRANSFERRED", json.get("result"));
		assertEquals("transfer u.bin", object(json.get("job")).get("displayName")); // no NAME: named after the destination
		assertEquals("ACKNOWLEDGED", object(json.get("job")).get("state"));

		TransferException missing = assertThrows(TransferException.class,
				() -> run("bits:transfer gone " + nginx.uri("/files/none.bin") + " " + dest("none.bin")));
		assertEquals(ErrorCodes.httpError(404), missing.getCode());
		assertTrue(missing.getMessage().endsWith("the job was cancelled"), missing.getMessage());
		assertTrue(manager.listJobs(JobScope.ALL_OWNERS).isEmpty(), "a fatal error cancels the job");
		assertError("expected [NAME] URL DEST", () -> run("bits:transfer " + nginx.uri("/files/t.bin")));
		assertError("priority 'SOON' is not one of", () -> run("bits:transfer --priority SOON x " + nginx.uri("/files/t.bin") + " " + dest("v.bin")));
		assertError("is malformed", () -> run("bits:transfer x 'http://bad host/' " + dest("v.bin")));
		assertTrue(manager.listJobs(JobScope.ALL_OWNERS).isEmpty(), "bad input creates no job");
	}

	@Test
	void transferKeepsGoingThroughATransientError() throws Exception {
		byte[] data = new byte[4 << 20];
		new java.util.Random(12).nextBytes(data);
		java.nio.file.Files.write(nginx.root.resolve("files/cut.bin"), data);
		try (FaultProxy proxy = new FaultProxy(0, nginx.port)) {
			proxy.next(new FaultProxy.Fault(FaultProxy.Fault.Kind.RESET, 1 << 20)); // the first response is cut mid-body
			// the resume in place and the retry at once (J8) too: the next waits 1 s, long enough for the progress line to
			// show the transient error
			proxy.nextTryFailsBeforeAnyByte();
			proxy.nextTryFailsBeforeAnyByte();
			Path target = dest("cut.bin");
			run("bits:transfer cut http://127.0.0.1:" + proxy.port() + "/files/cut.bin " + target);
			assertArrayEquals(data, java.nio.file.Files.readAllBytes(target));
			assertTrue(err.toString().contains("TRANSIENT_ERROR (retrying: "), err.toString());
			assertTrue(proxy.connections >= 2, "resumed on a new connection");
		}
	}

	@Test
	void everyCommandHasHelpText() throws Exception {
		BundleContext context = FrameworkUtil.getBundle(ShellIT.class).getBundleContext();
		List<String> functions = new java.util.ArrayList<>();
		for (var ref : context.getServiceReferences((String) null, "(osgi.command.scope=bits)")) {
			Object f = ref.getProperty("osgi.command.function");
			functions.addAll(f instanceof String[] a ? List.of(a) : List.of(String.valueOf(f)));
		}
		for (String f : List.of("create", "addfile", "addfileset", "files", "list", "info", "resume", "suspend", "cancel", "complete",
				"setpriority", "setdisplayname", "setdescription", "setnotifyflags", "getnotifyflags", "sethandler", "clearhandler",
				"setminretrydelay", "setnoprogresstimeout", "setcustomheaders", "setcredentials", "setproxysettings", "handlers", "monitor",
				"transfer", "wait", "demo", "apitoken")) {
			assertTrue(functions.contains(f), "bits:" + f + " is registered: " + functions);
			out.reset();
			Object returned = run("help bits:" + f);
			String help = out.toString(java.nio.charset.StandardCharsets.UTF_8) + (returned == null ? "" : session.format(returned, 1));
			assertTrue(help.matches("(?s).*\\b" + f + " - \\w.{10,}"), "help for bits:" + f + ": " + help); // the @Descriptor
		}
	}

	@Test
	void lifecycleCommandsDriveAJobAndRefuseBadArguments() throws Exception {
		java.nio.file.Files.write(nginx.root.resolve("files/l1.bin"), new byte[70_000]);
		java.nio.file.Files.write(nginx.root.resolve("files/l2.bin"), new byte[90_000]);
		TransferJob job = created("cycle");
		Path list = tmp.resolve("files.txt");
		java.nio.file.Files.writeString(list, nginx.uri("/files/l1.bin") + " " + dest("l1.bin") + "\n\n" + nginx.uri("/files/l2.bin") + "  "
				+ dest("l2.bin") + "\n");
		Path bad = tmp.resolve("bad.txt");
		java.nio.file.Files.writeString(bad, nginx.uri("/files/l1.bin") + " " + dest("x1.bin") + "\nonly-one-field\n");
		assertError("bad.txt line 2: expected 'URL LOCALPATH'", () -> run("bits:addfileset cycle " + bad));
		assertEquals(0, job.getFiles().size(), "all or none");
		run("bits:addfileset cycle " + list);
		assertEquals(2, job.getFiles().size());

		assertError("priority 'URGENT' is not one of", () -> run("bits:setpriority cycle URGENT"));
		run("bits:setpriority cycle FOREGROUND");
		assertEquals(JobPriority.FOREGROUND, job.getPriority());
		assertError("no job named", () -> run("bits:wait"));
		run("bits:watch cycle"); // a live callback printing to the console
		run("bits:resume cycle");
		assertEquals("TRANSFERRED", run("bits:wait cycle"));
		Engine.await(() -> "the console callback: " + out, () -> out.toString().contains("JOB_TRANSFERRED"));
		assertEquals("COMPLETE", String.valueOf(run("bits:complete cycle")));
		assertEquals(70_000, java.nio.file.Files.size(dest("l1.bin")));

		TransferJob other = created("paused");
		run("bits:addfile paused " + nginx.uri("/files/l1.bin") + " " + dest("p.bin"));
		run("bits:resume paused");
		run("bits:suspend paused");
		assertEquals(bits.api.JobState.SUSPENDED, other.getState());
		TransferException unknown = assertThrows(TransferException.class, () -> run("bits:sethandler paused no.such.handler"));
		assertEquals(ErrorCodes.HANDLER_NOT_FOUND, unknown.getCode(), unknown.getMessage());
		assertTrue(other.getHandlerId().isEmpty(), "an unknown id is refused, nothing set");
		run("bits:cancel paused");
		assertEquals(bits.api.JobState.CANCELLED, other.getState());
		TransferException gone = assertThrows(TransferException.class, () -> run("bits:resume " + other.getId()));
		assertEquals(ErrorCodes.BG_E_NOT_FOUND, gone.getCode(), gone.getMessage()); // a cancelled job is gone, as in BITS
	}

	@Test
	void sethandlerAndClearhandler() throws Exception {
		BundleContext context = FrameworkUtil.getBundle(ShellIT.class).getBundleContext();
		manager = Engine.configured(Map.of("handler.repositories", Path.of(context.getProperty("bits.samples.index")).toAbsolutePath().normalize().toUri().toString()));
		TransferJob job = created("handled");
		run("bits:sethandler handled bits.samples.complete");
		assertEquals(java.util.Optional.of("bits.samples.complete"), job.getHandlerId());
		assertTrue(String.valueOf(run("bits:handlers")).contains("bits.samples.complete AVAILABLE"));
		assertTrue(String.valueOf(run("bits:handlers")).contains(job.getId().toString()));
		run("bits:clearhandler handled");
		assertTrue(job.getHandlerId().isEmpty());
	}

	@SuppressWarnings("unchecked")
	private static List<Object> array(Object json) {
		return (List<Object>) new org.apache.felix.utils.json.JSONParser(String.valueOf(json)).getParsedList();
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> object(Object json) {
		return json instanceof Map<?, ?> m ? (Map<String, Object>) m : new org.apache.felix.utils.json.JSONParser(String.valueOf(json)).getParsed();
	}

	private static void assertError(String words, org.junit.jupiter.api.function.Executable call) {
		TransferException e = assertThrows(TransferException.class, call);
		assertTrue(e.getMessage().contains(words), e.getMessage());
		assertTrue(e.getCode() == ErrorCodes.E_INVALIDARG || e.getCode() == ErrorCodes.BG_E_NOT_FOUND, e.getMessage());
	}
}
