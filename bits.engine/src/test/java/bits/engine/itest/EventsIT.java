package bits.engine.itest;

import static bits.engine.itest.Engine.await;
import static bits.engine.itest.Engine.randomBytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;

import bits.api.JobPriority;
import bits.api.TransferJob;

/** Job state changes and modifications are also posted to EventAdmin under bits/job/... (issue 4, item 9). */
class EventsIT extends WithNginx {
	@BeforeAll
	static void files() throws Exception {
		Files.write(nginx.root.resolve("files/e.bin"), randomBytes(64 << 10, 50));
	}

	@Test
	void stateChangesArePostedWithTheJobsIdOwnerAndState() throws Exception {
		List<Event> events = Collections.synchronizedList(new ArrayList<>());
		Dictionary<String, Object> props = new Hashtable<>();
		props.put(EventConstants.EVENT_TOPIC, "bits/job/*");
		ServiceRegistration<EventHandler> reg = FrameworkUtil.getBundle(EventsIT.class).getBundleContext()
				.registerService(EventHandler.class, events::add, props);
		try {
			TransferJob job = manager.createJob("events");
			job.setPriority(JobPriority.FOREGROUND);
			job.addFile(nginx.uri("/files/e.bin"), dest("e.bin"));
			job.resume();
			Engine.awaitState(job, bits.api.JobState.TRANSFERRED);
			job.complete();
			String id = job.getId().toString();
			await("bits/job/ACKNOWLEDGED", () -> topics(events, id).contains("bits/job/ACKNOWLEDGED"));
			List<String> topics = topics(events, id);
			assertTrue(topics.indexOf("bits/job/QUEUED") < topics.indexOf("bits/job/TRANSFERRED"), topics.toString());
			Event transferred = events.stream().filter(e -> e.getTopic().equals("bits/job/TRANSFERRED")
					&& id.equals(e.getProperty("job.id"))).findFirst().orElseThrow();
			assertEquals(manager.getOwner(), transferred.getProperty("job.owner"));
			assertEquals("TRANSFERRED", transferred.getProperty("job.state"));
			assertEquals(64L << 10, transferred.getProperty("bytes.transferred"));
		} finally {
			reg.unregister();
		}
	}

	private static List<String> topics(List<Event> events, String id) {
		synchronized (events) {
			return events.stream().filter(e -> id.equals(e.getProperty("job.id"))).map(Event::getTopic).toList();
		}
	}
}
