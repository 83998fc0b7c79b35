package bits.engine.rest;

import bits.engine.model.JournalEntry;

/** A terminal event as the event stream sends it; {@code id} is also the SSE event id a client resumes from. */
record NotificationDto(long id, String job, String owner, String kind, int file, String time) {
	static NotificationDto of(JournalEntry e) {
		return new NotificationDto(e.id(), e.job().toString(), e.owner(), e.kind().name(), e.file(), e.time().toString());
	}
}
