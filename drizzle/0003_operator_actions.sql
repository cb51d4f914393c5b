CREATE TABLE `operator_actions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text,
	`occurred_at` integer NOT NULL,
	`action` text NOT NULL,
	`actor` text NOT NULL,
	`path` text NOT NULL,
	`reason` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text
);
