package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import bits.api.JobState;
import bits.api.JobType;
import bits.api.NotifyFlag;
import bits.api.TransferJob;
import bits.engine.model.FileRecord;
import bits.engine.model.JobRecord;
import bits.engine.model.JobSettings;
import bits.engine.model.Notice;

/** The one notification policy, on records: what goes to the outbox, what is stale, what is repeated, what is a modification. */
class NotificationPolicyTest {
	private static final UUID ID = UUID.randomUUID();

	private static JobRecord job(JobState state, NotifyFlag... flags) {
		EnumSet<NotifyFlag> set = EnumSet.noneOf(NotifyFlag.class);
		set.addAll(List.of(flags));
		return JobRecord.created(ID, "o", JobType.DOWNLOAD,
				JobSettings.defaults("j", TransferJob.DEFAULT_MINIMUM_RETRY_DELAY, TransferJob.DEFAULT_NO_PROGRESS_TIMEOUT), Instant.now())
				.with(b -> b.state(state).settings(s -> s.with(p -> p.notifyFlags(set)))
						.addFiles(List.of(FileRecord.added(0, URI.create("https://h/a"), Path.of("/d/a"), Path.of("/d/.a.tmp")))));
	}

	@Test
	void theFlagsChooseWhatGoesToTheOutboxAndDisableWins() { // N1
		JobRecord both = job(JobState.TRANSFERRED, NotifyFlag.JOB_TRANSFERRED, NotifyFlag.JOB_ERROR);
		assertTrue(NotificationPolicy.wanted(both, Notice.Kind.JOB_TRANSFERRED));
		assertTrue(NotificationPolicy.wanted(both, Notice.Kind.JOB_ERROR));
		assertFalse(NotificationPolicy.wanted(both, Notice.Kind.FILE_TRANSFERRED));
		JobRecord disabled = job(JobState.TRANSFERRED, NotifyFlag.JOB_TRANSFERRED, NotifyFlag.DISABLE);
		assertFalse(NotificationPolicy.wanted(disabled, Notice.Kind.JOB_TRANSFERRED));
	}

	@Test
	void aNotificationOfAStateTheJobLeftIsStale() { // N8
		Notice transferred = new Notice(1, ID, Notice.Kind.JOB_TRANSFERRED, -1);
		Notice error = new Notice(2, ID, Notice.Kind.JOB_ERROR, -1);
		assertFalse(NotificationPolicy.stale(job(JobState.TRANSFERRED), transferred));
		assertTrue(NotificationPolicy.stale(job(JobState.QUEUED), transferred), "files added: back to the queue");
		assertFalse(NotificationPolicy.stale(job(JobState.ERROR), error));
		assertTrue(NotificationPolicy.stale(job(JobState.QUEUED), error), "resumed");
	}

	@Test
	void aFileNotificationIsStaleOnceTheFileStartsAgain() { // N8 with J6
		Notice file = new Notice(3, ID, Notice.Kind.FILE_TRANSFERRED, 0);
		JobRecord whole = job(JobState.TRANSFERRING).with(b -> b.file(FileRecord.added(0, URI.create("https://h/a"), Path.of("/d/a"),
				Path.of("/d/.a.tmp")).checkpointed(10, 10, "\"v\"", true)));
		assertFalse(NotificationPolicy.stale(whole, file));
		JobRecord restarted = whole.with(b -> b.file(whole.files().get(0).restarted()));
		assertTrue(NotificationPolicy.stale(restarted, file));
	}

	@Test
	void aNewCallbackOfATerminalJobIsToldAgainUnlessANoticeWaits() { // N7
		assertEquals(Notice.Kind.JOB_TRANSFERRED, NotificationPolicy.repeatedFor(job(JobState.TRANSFERRED)));
		assertEquals(Notice.Kind.JOB_ERROR, NotificationPolicy.repeatedFor(job(JobState.ERROR)));
		assertNull(NotificationPolicy.repeatedFor(job(JobState.TRANSFERRING)));
		JobRecord waiting = job(JobState.TRANSFERRED).with(b -> b.notices(List.of(new Notice(4, ID, Notice.Kind.JOB_TRANSFERRED, -1))));
		assertNull(NotificationPolicy.repeatedFor(waiting), "the pending one is delivered to the new callback");
	}

	@Test
	void modificationsAreForJobsThatAskAndAreNotTerminal() { // N11
		assertTrue(NotificationPolicy.modificationWanted(job(JobState.TRANSFERRING, NotifyFlag.JOB_MODIFICATION)));
		assertFalse(NotificationPolicy.modificationWanted(job(JobState.TRANSFERRING, NotifyFlag.JOB_TRANSFERRED)));
		assertFalse(NotificationPolicy.modificationWanted(job(JobState.TRANSFERRING, NotifyFlag.JOB_MODIFICATION, NotifyFlag.DISABLE)));
		for (JobState terminal : List.of(JobState.TRANSFERRED, JobState.ERROR, JobState.ACKNOWLEDGED, JobState.CANCELLED)) {
			assertFalse(NotificationPolicy.modificationWanted(job(terminal, NotifyFlag.JOB_MODIFICATION)), terminal.name());
		}
	}

	@Test
	void theOldestPendingNotificationIsNext() {
		Notice first = new Notice(5, ID, Notice.Kind.FILE_TRANSFERRED, 0);
		Notice second = new Notice(6, ID, Notice.Kind.JOB_TRANSFERRED, -1);
		assertEquals(first, NotificationPolicy.next(job(JobState.TRANSFERRED).with(b -> b.notices(List.of(first, second)))));
		assertNull(NotificationPolicy.next(job(JobState.TRANSFERRED)));
	}
}
