package bits.engine.model;

/**
 * Which engine transfers a job, when engines share one store (SPEC C2, C3): the engine's id and the claim's epoch,
 * which every new claim and every takeover raises. What a transfer writes is conditional on its epoch, so an engine
 * that lost the job (paused past its lease, taken over) can no longer change it.
 *
 * @param engine the id of the engine that claimed the job
 * @param epoch the claim's epoch
 */
public record Claim(String engine, long epoch) {
}
