"""Items: the complaints (phản ánh) and petitions (kiến nghị) that citizens file."""
