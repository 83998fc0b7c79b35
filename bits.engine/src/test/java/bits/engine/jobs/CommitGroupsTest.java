package bits.engine.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The commits of concurrent creates are made together (SPEC J9), and each caller learns its own outcome. */
class CommitGroupsTest {
	private static final class Item extends CommitGroups.Item {
		final int n;

		Item(int n) {
			this.n = n;
		}
	}

	private final ExecutorService callers = Executors.newFixedThreadPool(8);

	@AfterEach
	void stop() {
		callers.shutdownNow();
	}

	@Test
	void whatArrivesDuringACommitIsCommittedInTheNextOne() throws Exception {
		CountDownLatch firstCommitting = new CountDownLatch(1);
		CountDownLatch othersWaiting = new CountDownLatch(1);
		List<List<Integer>> groups = new ArrayList<>();
		CommitGroups<Item> commits = new CommitGroups<>(group -> {
			synchronized (groups) {
				groups.add(group.stream().map(i -> i.n).toList());
			}
			if (group.get(0).n == 0) {
				firstCommitting.countDown();
				await(othersWaiting);
			}
		}, 256);
		Future<?> first = callers.submit(() -> commits.commit(new Item(0)));
		await(firstCommitting);
		List<Future<?>> others = new ArrayList<>();
		for (int i = 1; i <= 7; i++) {
			int n = i;
			others.add(callers.submit(() -> commits.commit(new Item(n))));
		}
		awaitQueued(commits, 7);
		othersWaiting.countDown();
		first.get(10, TimeUnit.SECONDS);
		for (Future<?> f : others) {
			f.get(10, TimeUnit.SECONDS);
		}
		assertEquals(2, groups.size(), "7 callers who came during the first commit share the second: " + groups);
		assertEquals(List.of(0), groups.get(0));
		assertEquals(7, groups.get(1).size());
	}

	@Test
	void anItemRefusedAloneFailsItsCallerOnlyAndAFailedCommitFailsEveryoneInIt() {
		CommitGroups<Item> commits = new CommitGroups<>(group -> group.stream().filter(i -> i.n % 2 == 1)
				.forEach(i -> i.fail(new IllegalArgumentException("odd " + i.n))), 256);
		commits.commit(new Item(2));
		IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
				() -> commits.commit(new Item(3)));
		assertEquals("odd 3", refused.getMessage());

		RuntimeException down = new IllegalStateException("store down");
		CommitGroups<Item> failing = new CommitGroups<>(group -> {
			throw down;
		}, 256);
		assertSame(down, assertThrows(IllegalStateException.class, () -> failing.commit(new Item(1))));
		// the next caller leads a commit of its own: nothing was left waiting
		CommitGroups<Item> once = new CommitGroups<>(new Consumer<List<Item>>() {
			boolean failed;

			@Override
			public void accept(List<Item> group) {
				if (!failed) {
					failed = true;
					throw down;
				}
			}
		}, 256);
		assertThrows(IllegalStateException.class, () -> once.commit(new Item(1)));
		once.commit(new Item(2));
	}

	@Test
	void aGroupIsAtMostTheLargestAndNoItemIsLeftBehind() throws Exception {
		List<Integer> sizes = new ArrayList<>();
		CountDownLatch committing = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		CommitGroups<Item> commits = new CommitGroups<>(group -> {
			synchronized (sizes) {
				sizes.add(group.size());
			}
			committing.countDown();
			await(release);
		}, 3);
		List<Future<?>> all = new ArrayList<>();
		all.add(callers.submit(() -> commits.commit(new Item(0))));
		await(committing); // the first commits alone
		for (int i = 1; i < 8; i++) {
			int n = i;
			all.add(callers.submit(() -> commits.commit(new Item(n))));
		}
		awaitQueued(commits, 7); // seven wait
		release.countDown();
		for (Future<?> f : all) {
			assertNull(f.get(10, TimeUnit.SECONDS));
		}
		assertEquals(8, sizes.stream().mapToInt(Integer::intValue).sum(), "every item committed once: " + sizes);
		assertTrue(sizes.stream().allMatch(s -> s <= 3), "no group beyond 3: " + sizes);
	}

	private static void await(CountDownLatch latch) {
		try {
			assertTrue(latch.await(10, TimeUnit.SECONDS));
		} catch (InterruptedException e) {
			throw new AssertionError(e);
		}
	}

	/** Waits, with a deadline, until {@code n} items wait for a commit. */
	private static void awaitQueued(CommitGroups<Item> commits, int n) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (commits.waiting() < n) {
			assertTrue(System.nanoTime() < deadline, "only " + commits.waiting() + " of " + n + " callers wait");
			Thread.sleep(1);
		}
	}
}
