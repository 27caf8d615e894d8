"""Messages read to contacts by phone call: for people who cannot text (a landline, or who asked
for calls). The call reads the text twice in the person's language and takes keys: 1/2/3 answer
an invitation, 9 repeats, 0 stops these calls."""
