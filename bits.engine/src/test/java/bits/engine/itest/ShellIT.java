package bits.engine.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.EnumSet;
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
import bits.api.JobScope;
import bits.api.NotifyFlag;
import bits.api.ProxyUsage;
import bits.api.TransferException;
import bits.api.TransferJob;

/** The Gogo commands through a real CommandProcessor session (issue 6: bitsadmin's /set... surface). */
class ShellIT extends WithNginx {
	private CommandSession session;

	@BeforeEach
	void openSession() throws Exception {
		BundleContext context = FrameworkUtil.getBundle(ShellIT.class).getBundleContext();
		Engine.await(() -> "the bits: commands; " + diagnosis(context), () -> context.getServiceReference(CommandProcessor.class) != null
				&& commands(context));
		CommandProcessor processor = context.getService(context.getServiceReference(CommandProcessor.class));
		session = processor.createSession(new ByteArrayInputStream(new byte[0]), new PrintStream(new ByteArrayOutputStream()),
				new PrintStream(new ByteArrayOutputStream()));
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
		run("bits:setcredentials renamed SERVER BASIC alice secret");
		run("bits:setproxysettings renamed OVERRIDE 127.0.0.1:3128 localhost");
		run("bits:addfile renamed " + nginx.uri("/files/x.bin") + " " + dest("x.bin"));
		assertEquals("renamed", job.getDisplayName());
		assertEquals("a longer description", job.getDescription());
		assertEquals(Duration.ofSeconds(60), job.getMinimumRetryDelay());
		assertEquals(Duration.ofHours(1), job.getNoProgressTimeout());
		assertEquals(Map.of("X-Trace", "1", "X-Other", "two"), job.getCustomHeaders());
		assertTrue(job.hasCredentials(AuthTarget.SERVER));
		assertEquals(ProxyUsage.OVERRIDE, job.getProxySettings().usage());
		String files = String.valueOf(run("bits:files renamed"));
		assertTrue(files.startsWith("0 " + nginx.uri("/files/x.bin") + " -> " + dest("x.bin") + " 0/?"), files);
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
		assertError("'ROOT' is not one of", () -> run("bits:setcredentials strict ROOT BASIC a b"));
		assertError("no job with id, id prefix or display name 'nosuch'", () -> run("bits:setdescription nosuch d"));
		created("twin");
		created("twin");
		assertError("names 2 jobs", () -> run("bits:setdescription twin d"));
		assertEquals("", job.getDescription());
	}

	private static void assertError(String words, org.junit.jupiter.api.function.Executable call) {
		TransferException e = assertThrows(TransferException.class, call);
		assertTrue(e.getMessage().contains(words), e.getMessage());
		assertTrue(e.getCode() == ErrorCodes.E_INVALIDARG || e.getCode() == ErrorCodes.BG_E_NOT_FOUND, e.getMessage());
	}
}
