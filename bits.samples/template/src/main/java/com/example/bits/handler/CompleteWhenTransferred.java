package com.example.bits.handler;

import org.osgi.service.component.annotations.Component;

import bits.api.BitsHandler;
import bits.api.TransferCallback;
import bits.api.TransferJob;

/**
 * A persistent handler: a job that names {@value #ID} (bits:sethandler JOB com.example.bits.handler, or
 * job.setHandlerId) reaches this component even when no application is running: the engine finds the id in its
 * handler repositories, installs and starts this bundle, and calls it, also after a restart. Delivery is at least
 * once, so a callback must be safe to run twice.
 */
@Component(service = TransferCallback.class)
@BitsHandler(CompleteWhenTransferred.ID)
public class CompleteWhenTransferred implements TransferCallback {
	/** This handler's id: what jobs name, and the bits.handler capability bnd writes into the manifest. */
	public static final String ID = "com.example.bits.handler";

	@Override
	public void jobTransferred(TransferJob job) {
		job.complete(); // the files appear at their destinations; a failure throws and the engine calls again later
	}
}
