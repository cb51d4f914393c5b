CREATE TABLE `ledger_prunes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text,
	`source` text NOT NULL,
	`table_name` text NOT NULL,
	`rule` text NOT NULL,
	`rows_deleted` integer NOT NULL,
	`first_id` integer,
	`last_id` integer,
	`cut_before` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer NOT NULL
);
