CREATE TABLE `cerebros_runs` (
	`run_id` text PRIMARY KEY NOT NULL,
	`runtime_run_id` text,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`status` text NOT NULL,
	`seed` integer NOT NULL,
	`search_space` text NOT NULL,
	`best_trial_no` integer,
	`best_score` real
);
--> statement-breakpoint
CREATE TABLE `cerebros_trials` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text NOT NULL,
	`trial_no` integer NOT NULL,
	`source` text NOT NULL,
	`tick` integer NOT NULL,
	`params` text NOT NULL,
	`score` real NOT NULL,
	`improved` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `cerebros_trials_run_idx` ON `cerebros_trials` (`run_id`,`trial_no`);